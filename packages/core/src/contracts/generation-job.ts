import { z } from 'zod';
import { redactSecrets } from '../redact.ts';
import { CONTRACT_LIMITS as L, promptBytes } from './limits.ts';

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1, 'must not be empty'),
});

const tooLong = (max: number) => `must be at most ${max} characters`;
const KEY_AS_MODEL =
  "looks like an API key or token, not a model name: a provider's key goes in its environment variable (apiKeyEnv in FAULTLINE_PROVIDERS_FILE)";

/**
 * What a producer enqueues on the `generation` queue; `promptMaxBytes` bounds the messages' contents
 * together (PROMPT_MAX_BYTES for the worker and the client, 1 MiB by default).
 */
export function generationJobSchema(opts: { promptMaxBytes?: number } = {}) {
  const promptMax = opts.promptMaxBytes ?? L.promptBytes;
  return z
    .object({
      provider: z
        .string()
        .min(1, 'must name a configured provider, e.g. openai or anthropic')
        .max(L.provider, tooLong(L.provider)),
      model: z
        .string()
        .min(1, 'must name the model, e.g. gpt-4o-mini')
        .max(L.model, tooLong(L.model))
        // A key passed where the model goes would be sent to the provider and kept as a model's name
        // in Redis, /metrics and the status page (review S6).
        .refine((m) => redactSecrets(m) === m, KEY_AS_MODEL),
      messages: z
        .array(ChatMessage)
        .min(1, 'must hold at least one message')
        .max(L.messages, `must hold at most ${L.messages} messages`)
        .superRefine((messages, ctx) => {
          const bytes = promptBytes(messages);
          if (bytes > promptMax)
            ctx.addIssue({
              code: 'custom',
              message: `the contents total ${bytes} bytes, over the ${promptMax}-byte limit (PROMPT_MAX_BYTES)`,
            });
        }),
      maxTokens: z.number().int().positive().max(1_000_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      /** Groups jobs enqueued together so workers add to one run summary. */
      runId: z.string().min(1).max(L.runId).optional(),
      // Flat: a value is a string, number, boolean or null, never an object, so nothing nests.
      metadata: z
        .record(
          z.string().max(L.metadataKey, tooLong(L.metadataKey)),
          z.union([
            z.string().max(L.metadataValue, tooLong(L.metadataValue)),
            z.number(),
            z.boolean(),
            z.null(),
          ]),
        )
        .refine((m) => Object.keys(m).length <= L.metadataKeys, `must hold at most ${L.metadataKeys} keys`)
        .optional(),
    })
    .strict();
}

export const GenerationJob = generationJobSchema();
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
