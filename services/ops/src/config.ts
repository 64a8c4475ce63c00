import { BaseConfig, envDuration, envInt } from '@faultline/runtime';
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const OpsConfig = BaseConfig.extend({
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: envInt(0, 65535).default(9470),
  OPS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  OPS_USERNAME: z.string().optional(),
  OPS_PASSWORD: z.string().min(8, 'use at least 8 characters').optional(),
  SLOW_PROBE: envDuration.default(5_000),
}).superRefine((cfg, ctx) => {
  const credentials = Boolean(cfg.OPS_TOKEN || (cfg.OPS_USERNAME && cfg.OPS_PASSWORD));
  // Anyone who reaches the dashboard can retry or delete jobs: never serve it on a network without credentials.
  if (!LOOPBACK.has(cfg.OPS_HOST) && !credentials) {
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
