import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../taxonomy.ts';
import { CONTRACT_LIMITS as L } from './limits.ts';

export const ALERT_SOURCES = ['generation', 'health_probe', 'test'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

/** A string of at most `max` characters, saying so when it is longer. */
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** Model-health fields a health event carries (snake_case: the wire names alerts and Sentry show). */
export const ModelHealthContext = z
  .object({
    model_id: text(L.model).optional(),
    status: z.enum(['healthy', 'degraded', 'unhealthy']).optional(),
    status_code: z.number().int().nullable().optional(),
    response_time_ms: z.number().nonnegative().nullable().optional(),
    error_count: z.number().int().nonnegative().optional(),
    success_rate: z.number().min(0).max(1).optional(),
    circuit_breaker_state: z.enum(BREAKER_STATES).optional(),
    error_message: text(L.contextValue).nullable().optional(),
    last_failure: z.iso.datetime().nullable().optional(),
  })
  .catchall(z.union([text(L.contextValue), z.number(), z.boolean(), z.null()]))
  .refine((c) => Object.keys(c).length <= L.contextKeys, `must hold at most ${L.contextKeys} fields`);

/** One classified failure (or recovery) published on the `alerts` queue. */
export const AlertEvent = z.object({
  id: text(L.eventId).min(1),
  occurredAt: z.iso.datetime(),
  source: z.enum(ALERT_SOURCES),
  operation: text(L.name).min(1),
  /** `resolved` closes the alert group of the failure it ends (a recovery). */
  state: z.enum(['firing', 'resolved']).default('firing'),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  isRetryable: z.boolean(),
  provider: text(L.provider).min(1),
  model: text(L.model).nullable(),
  gateway: text(L.name).nullable(),
  statusCode: z.number().int().nullable(),
  providerCode: text(L.name).nullable(),
  reason: text(L.name),
  retryAfterMs: z.number().nonnegative().nullable(),
  requestId: text(L.requestId).nullable(),
  originalError: text(L.name),
  message: text(L.message),
  recommendedActions: z.array(text(L.action)).max(L.actions, `must hold at most ${L.actions} actions`),
  context: ModelHealthContext.optional(),
});
export type AlertEvent = z.output<typeof AlertEvent>;
export type AlertEventInput = z.input<typeof AlertEvent>;
