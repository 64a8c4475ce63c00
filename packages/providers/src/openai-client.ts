import type OpenAI from 'openai';
import type { Completion, CompletionRequest, ProviderClient } from './completion.ts';
import { cappedFetch } from './light-fetch.ts';
import type { ProviderSpec } from './provider-spec.ts';

export function openaiClient(
  spec: ProviderSpec,
  apiKey: string,
  opts: { timeoutMs: number; maxResponseBytes: number; fetch?: typeof fetch },
): ProviderClient {
  // The SDK is imported on the first call, not at start-up: a process that never calls this provider
  // (`faultline start` checking settings, a worker whose models are all elsewhere) does not keep it
  // resident (bench/runtime.ts measures it).
  let sdk: Promise<OpenAI> | undefined;
  const client = () => {
    // maxRetries 0: BullMQ owns retries, so every failed attempt is seen and classified.
    sdk ??= import('openai').then(
      ({ default: Sdk }) =>
        new Sdk({
          apiKey,
          baseURL: spec.baseURL ?? null,
          maxRetries: 0,
          timeout: opts.timeoutMs,
          // Every answer, success or error, is read through it: one cap for the whole SDK path.
          fetch: opts.fetch ?? cappedFetch(opts.maxResponseBytes),
        }),
    );
    return sdk;
  };
  return {
    name: spec.name,
    gateway: spec.gateway,
    async complete(req: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
      const res = await (await client()).chat.completions.create(
        {
          model: req.model,
          messages: req.messages,
          ...(req.maxTokens !== undefined ? { max_completion_tokens: req.maxTokens } : {}),
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        },
        signal ? { signal } : undefined,
      );
      return {
        // Reasoning models may spend the whole budget thinking and return no content: that is still a success.
        text: res.choices?.[0]?.message?.content ?? '',
        usage: {
          inputTokens: res.usage?.prompt_tokens ?? 0,
          outputTokens: res.usage?.completion_tokens ?? 0,
        },
      };
    },
    async retrieveModel(model: string, signal?: AbortSignal): Promise<void> {
      await (await client()).models.retrieve(model, signal ? { signal } : undefined);
    },
  };
}
