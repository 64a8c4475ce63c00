import { z } from 'zod';
import { redactSecrets } from '../redact.ts';

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1, 'must not be empty'),
});

const KEY_AS_MODEL =
  "looks like an API key or token, not a model name: a provider's key goes in its environment variable (apiKeyEnv in FAULTLINE_PROVIDERS_FILE)";

/** What a producer enqueues on the `generation` queue. */
export const GenerationJob = z
  .object({
    provider: z.string().min(1, 'must name a configured provider, e.g. openai or anthropic'),
    model: z
      .string()
      .min(1, 'must name the model, e.g. gpt-4o-mini')
      // A key passed where the model goes would be sent to the provider and kept as a model's name
      // in Redis, /metrics and the status page (review S6).
      .refine((m) => redactSecrets(m) === m, KEY_AS_MODEL),
    messages: z.array(ChatMessage).min(1, 'must hold at least one message'),
    maxTokens: z.number().int().positive().max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** Groups jobs enqueued together so workers add to one run summary. */
    runId: z.string().min(1).max(200).optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();
export type GenerationJob = z.output<typeof GenerationJob>;

export const GenerationResult = z.object({
  text: z.string(),
  usage: z.object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
  }),
  latencyMs: z.number().nonnegative(),
  provider: z.string(),
  model: z.string(),
});
export type GenerationResult = z.output<typeof GenerationResult>;
