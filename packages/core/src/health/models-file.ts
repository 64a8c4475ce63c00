import { z } from 'zod';
import { CONTRACT_LIMITS } from '../contracts/limits.ts';
import { parseDuration } from '../duration.ts';

/**
 * The shortest probe interval a models file may give: `interval: 30` (meant as seconds) is 30 ms,
 * about 33 paid completions a second per model, eating the shared rate limit real traffic needs (B4).
 */
export const MIN_PROBE_INTERVAL_MS = 1_000;

const duration = (minMs: number) =>
  z.union([z.number().int().positive(), z.string()]).transform((raw, ctx) => {
    const ms = typeof raw === 'number' ? raw : parseDuration(raw, 'ms');
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m or 60000' });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({
        code: 'custom',
        message:
          `${ms} ms is under the ${minMs} ms minimum (PROBE_INTERVAL_MIN): a bare number is milliseconds, ` +
          'so write the unit, e.g. 30s',
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * One model to watch. Defaults: normal priority, a probe every 60 s, a 1-token completion. An interval
 * under `minIntervalMs` (PROBE_INTERVAL_MIN, 1 s unless lowered for tests) is refused.
 */
export function modelSpecSchema(opts: { minIntervalMs?: number } = {}) {
  return z
    .object({
      id: z.string().min(1, 'name the model, e.g. gpt-4o-mini').max(CONTRACT_LIMITS.model),
      provider: z.string().min(1, 'name a configured provider, e.g. openai').max(CONTRACT_LIMITS.provider),
      gateway: z.string().min(1).nullable().default(null),
      priority: z.enum(['critical', 'normal']).default('normal'),
      interval: duration(opts.minIntervalMs ?? MIN_PROBE_INTERVAL_MS).default(60_000),
      probe: z.enum(['completion', 'models']).default('completion'),
    })
    .strict();
}

export const ModelSpec = modelSpecSchema();
export type ModelSpec = z.output<typeof ModelSpec>;

export const modelsFileSchema = (opts: { minIntervalMs?: number } = {}) =>
  z.object({ models: z.array(modelSpecSchema(opts)) }).strict();

export const ModelsFile = modelsFileSchema();

/** Where a model's health lives: provider and model id together, as jobs name them. */
export const modelKey = (provider: string, model: string) => `${provider}/${model}`;
