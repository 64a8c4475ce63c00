import { anthropic } from './anthropic.ts';
import { azure } from './azure.ts';
import { bedrock } from './bedrock.ts';
import { cerebras } from './cerebras.ts';
import { cohere } from './cohere.ts';
import { dashscope } from './dashscope.ts';
import { deepseek } from './deepseek.ts';
import { fireworks } from './fireworks.ts';
import { gemini } from './gemini.ts';
import { groq } from './groq.ts';
import { huggingface } from './huggingface.ts';
import { litellm } from './litellm.ts';
import { mistral } from './mistral.ts';
import { moonshot } from './moonshot.ts';
import { nvidiaNim } from './nvidia-nim.ts';
import { ollama } from './ollama.ts';
import { openai } from './openai.ts';
import { openrouter } from './openrouter.ts';
import { perplexity } from './perplexity.ts';
import { portkey } from './portkey.ts';
import { replicate } from './replicate.ts';
import type { ProviderCatalogue } from './row.ts';
import { together } from './together.ts';
import { vertex } from './vertex.ts';
import { vllm } from './vllm.ts';
import { xai } from './xai.ts';
import { zhipu } from './zhipu.ts';

export type { CatalogueRow, ProviderCatalogue, RowKind } from './row.ts';

/**
 * The documented errors of every provider and gateway Faultline names, one file each, built from the
 * providers' error pages (each row names its page). The catalogue rule (rules/catalogue.ts) reads it;
 * the shared corpus is its test, never its source.
 */
export const CATALOGUE: readonly ProviderCatalogue[] = [
  openai,
  azure,
  anthropic,
  gemini,
  vertex,
  bedrock,
  mistral,
  cohere,
  groq,
  together,
  fireworks,
  deepseek,
  xai,
  perplexity,
  openrouter,
  cerebras,
  moonshot,
  dashscope,
  zhipu,
  nvidiaNim,
  replicate,
  huggingface,
  ollama,
  vllm,
  litellm,
  portkey,
];
