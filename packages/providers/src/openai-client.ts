import type OpenAI from 'openai';
import type { Completion, CompletionRequest, ProviderClient } from './completion.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { lazySdkClient, type SdkClientOptions } from './sdk-client.ts';

export function openaiClient(spec: ProviderSpec, apiKey: string, opts: SdkClientOptions): ProviderClient {
  const client = lazySdkClient<OpenAI>(() => import('openai'), spec, apiKey, opts);
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
