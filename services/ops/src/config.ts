import { BaseConfig, ClassifierConfig, ConfigError, envBool, envDuration, envInt } from '@faultline/runtime';
import { z } from 'zod';
import { placeholderProblem } from './placeholder.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const OpsConfig = BaseConfig.extend({
  // POST /api/events classifies raw provider answers as the generation worker does.
  ...ClassifierConfig.shape,
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: envInt(0, 65535).default(9470),
  OPS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  OPS_USERNAME: z.string().optional(),
  OPS_PASSWORD: z.string().min(8, 'use at least 8 characters').optional(),
  OPS_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  OPS_INGEST_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  OPS_DASHBOARD_WRITE: envBool.default(false),
  OPS_SHOW_PROMPTS: envBool.default(false),
  OPS_AUTH_FAILURES_PER_MINUTE: envInt(1, 10_000).default(10),
  OPS_REQUEST_TIMEOUT: envDuration.default(15_000),
  SLOW_PROBE: envDuration.default(5_000),
}).superRefine((cfg, ctx) => {
  // Anyone who reaches the dashboard can retry or delete jobs: never serve it on a network without credentials.
  if (!isLoopback(cfg.OPS_HOST) && !hasCredentials(cfg)) {
    ctx.addIssue({
      code: 'custom',
      path: ['OPS_TOKEN'],
      message: `required (or OPS_USERNAME and OPS_PASSWORD) when OPS_HOST is ${cfg.OPS_HOST}, not a loopback address`,
    });
  }
  if (cfg.OPS_USERNAME && !cfg.OPS_PASSWORD)
    ctx.addIssue({ code: 'custom', path: ['OPS_PASSWORD'], message: 'required when OPS_USERNAME is set' });
});
export type OpsConfig = z.output<typeof OpsConfig>;

export const isLoopback = (host: string) => LOOPBACK.has(host);

/** Dashboard credentials configured; without them the service is open, and on loopback only. */
export const hasCredentials = (cfg: OpsConfig) =>
  Boolean(cfg.OPS_TOKEN || (cfg.OPS_USERNAME && cfg.OPS_PASSWORD));

const SECRETS = ['OPS_TOKEN', 'OPS_PASSWORD', 'OPS_METRICS_TOKEN', 'OPS_INGEST_TOKEN'] as const;

/**
 * Refuses the placeholders of the shipped manifests, at start-up (exit 3). Not part of the schema:
 * test/deploy.test.ts parses the Kubernetes Secret as shipped, placeholders included, to check ports.
 */
export function refusePlaceholders(cfg: OpsConfig): void {
  const problems = SECRETS.flatMap((variable) => {
    const value = cfg[variable];
    const problem = value === undefined ? null : placeholderProblem(value);
    return problem
      ? [{ variable, message: `${problem}; set a random one, e.g. the output of: openssl rand -hex 32` }]
      : [];
  });
  if (problems.length) throw new ConfigError(problems);
}
