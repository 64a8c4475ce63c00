import type Anthropic from '@anthropic-ai/sdk';
import {
  type Completion,
  type CompletionRequest,
  DEFAULT_MAX_TOKENS,
  type ProviderClient,
} from './completion.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { lazySdkClient, type SdkClientOptions } from './sdk-client.ts';

export function anthropicClient(spec: ProviderSpec, apiKey: string, opts: SdkClientOptions): ProviderClient {
  const client = lazySdkClient<Anthropic>(() => import('@anthropic-ai/sdk'), spec, apiKey, opts);
  return {
    name: spec.name,
    gateway: spec.gateway,
    async complete(req: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
      // Anthropic takes the system prompt beside the messages, not as a message.
      const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content);
      const res = await (await client()).messages.create(
        {
          model: req.model,
          max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
          messages: req.messages
            .filter((m) => m.role !== 'system')
            .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
          ...(system.length ? { system: system.join('\n\n') } : {}),
          ...(req.temperature !== undefined ? { temperature: Math.min(req.temperature, 1) } : {}),
        },
        signal ? { signal } : undefined,
      );
      let text = '';
      for (const block of res.content ?? []) if (block.type === 'text') text += block.text;
      return {
        text,
        usage: { inputTokens: res.usage?.input_tokens ?? 0, outputTokens: res.usage?.output_tokens ?? 0 },
      };
    },
    async retrieveModel(model: string, signal?: AbortSignal): Promise<void> {
      await (await client()).models.retrieve(model, {}, signal ? { signal } : undefined);
    },
  };
}
