import { z } from 'zod';
import { parseDuration } from '../duration.ts';

const duration = z.union([z.number().int().positive(), z.string()]).transform((raw, ctx) => {
  if (typeof raw === 'number') return raw;
  const ms = parseDuration(raw, 'ms');
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m or 60000' });
    return z.NEVER;
  }
  return ms;
});

/** One model to watch. Defaults: normal priority, a probe every 60 s, a 1-token completion. */
export const ModelSpec = z
  .object({
    id: z.string().min(1, 'name the model, e.g. gpt-4o-mini'),
    provider: z.string().min(1, 'name a configured provider, e.g. openai'),
    gateway: z.string().min(1).nullable().default(null),
    priority: z.enum(['critical', 'normal']).default('normal'),
    interval: duration.default(60_000),
    probe: z.enum(['completion', 'models']).default('completion'),
  })
  .strict();
export type ModelSpec = z.output<typeof ModelSpec>;

export const ModelsFile = z.object({ models: z.array(ModelSpec) }).strict();

/** Where a model's health lives: provider and model id together, as jobs name them. */
export const modelKey = (provider: string, model: string) => `${provider}/${model}`;
