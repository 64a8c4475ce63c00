import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../taxonomy.ts';

export const ALERT_SOURCES = ['generation', 'health_probe', 'test'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

/** Model-health fields a health event carries (snake_case: the wire names alerts and Sentry show). */
export const ModelHealthContext = z
  .object({
    model_id: z.string().optional(),
    status: z.enum(['healthy', 'degraded', 'unhealthy']).optional(),
    status_code: z.number().int().nullable().optional(),
    response_time_ms: z.number().nonnegative().nullable().optional(),
    error_count: z.number().int().nonnegative().optional(),
    success_rate: z.number().min(0).max(1).optional(),
    circuit_breaker_state: z.enum(BREAKER_STATES).optional(),
    error_message: z.string().nullable().optional(),
    last_failure: z.iso.datetime().nullable().optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** One classified failure (or recovery) published on the `alerts` queue. */
export const AlertEvent = z.object({
  id: z.string().min(1),
  occurredAt: z.iso.datetime(),
  source: z.enum(ALERT_SOURCES),
  operation: z.string().min(1),
  /** `resolved` closes the alert group of the failure it ends (a recovery). */
  state: z.enum(['firing', 'resolved']).default('firing'),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  isRetryable: z.boolean(),
  provider: z.string().min(1),
  model: z.string().nullable(),
  gateway: z.string().nullable(),
  statusCode: z.number().int().nullable(),
  providerCode: z.string().nullable(),
  reason: z.string(),
  retryAfterMs: z.number().nonnegative().nullable(),
  requestId: z.string().nullable(),
  originalError: z.string(),
  message: z.string(),
  recommendedActions: z.array(z.string()),
  context: ModelHealthContext.optional(),
});
export type AlertEvent = z.output<typeof AlertEvent>;
export type AlertEventInput = z.input<typeof AlertEvent>;
