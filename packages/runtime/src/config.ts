import { ConfigError, DEFAULT_QUEUE_PREFIX } from '@faultline/client';
import { parseDuration } from '@faultline/core';
import { z } from 'zod';
import { parseProxyUrl, TRANSPORTS } from './egress.ts';

export { ConfigError };

/** Reads a service's settings from env by its zod schema, whose keys are the variable names. */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  // An empty variable means "not set": `FOO=` in .env should fall back to the default.
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(settings)'),
      message: issue.message,
    })),
  );
}

/** Env values are strings: these parse them with messages that say what is accepted. */
export const envBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });

/** Durations accept `250ms`, `10s`, `5m`, `1h`, `1m30s` or plain milliseconds. */
export const envDuration = z.string().transform((raw, ctx) => {
  const ms = parseDuration(raw, 'ms');
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 10s, 5m or 1h' });
    return z.NEVER;
  }
  return ms;
});

export const envUrl = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );

const envProxyUrl = z.string().superRefine((raw, ctx) => {
  const parsed = parseProxyUrl(raw);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

/** Where `faultline start` runs its own redis-server when REDIS_URL is unset. */
export const LOCAL_REDIS_PORT = 6390;
export const localRedisUrl = (env: NodeJS.ProcessEnv = process.env) =>
  `redis://127.0.0.1:${env.FAULTLINE_REDIS_PORT || LOCAL_REDIS_PORT}`;

/** Settings every service shares. */
export const BaseConfig = z.object({
  // Unset means the Redis that `faultline start` runs for itself, so every command finds it.
  REDIS_URL: envUrl(['redis', 'rediss']).default(() => localRedisUrl()),
  // rediss:// only (redis-tls.ts reads them for every connection and refuses them with redis://).
  /** PEM file of the CA that signed Redis's certificate, when it is not one Node trusts. */
  REDIS_TLS_CA: z.string().optional(),
  /** Client certificate and key (PEM files) for a Redis with `tls-auth-clients yes`. */
  REDIS_TLS_CERT: z.string().optional(),
  REDIS_TLS_KEY: z.string().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w{}:.-]+$/, 'letters, digits and {}:._- only')
    .default(DEFAULT_QUEUE_PREFIX),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Egress (egress.ts reads these, lower-case spellings included, once at start).
  FAULTLINE_TRANSPORT: z
    .enum(TRANSPORTS, { error: 'expected undici (the default) or fetch' })
    .default('undici'),
  HTTPS_PROXY: envProxyUrl.optional(),
  HTTP_PROXY: envProxyUrl.optional(),
  NO_PROXY: z.string().optional(),
  /** PEM file of CAs trusted for outbound HTTPS besides Node's own (a TLS-inspecting proxy's CA). */
  FAULTLINE_CA_FILE: z.string().optional(),
});
export type BaseConfig = z.output<typeof BaseConfig>;

/**
 * Settings of every process that classifies provider errors (the generation worker, `faultline
 * classify`): the operator's own rules, read and checked at start by `loadClassifierRules`.
 */
export const ClassifierConfig = z.object({
  /** Path of a YAML file of classifier rules, or the YAML itself; unset: the built-in rules only. */
  FAULTLINE_CLASSIFIER_RULES: z.string().optional(),
});
