import { z } from 'zod';
import type { ClassifyOptions } from './classify/classify-error.ts';
import {
  classifyWithOperatorRules,
  NO_OPERATOR_RULES,
  type OperatorRules,
} from './classify/operator-rules.ts';
import type { AlertEvent } from './contracts/alert-event.ts';
import { alertEventFrom } from './contracts/alert-event-from.ts';
import { CONTRACT_LIMITS as L } from './contracts/limits.ts';
import { redactSecrets } from './redact.ts';

/**
 * Failures of calls Faultline did not make itself: an app's own SDK call (@faultline/reporter) or a
 * provider answer posted to the ops service (POST /api/events). They are published as the
 * generation worker publishes its own (source `generation`), so the same provider answer gives a
 * person the same alert, grouped with the worker's.
 */

/** What the worker calls its own events' operation; reported calls name their SDK method instead. */
export const DEFAULT_REPORTED_OPERATION = 'chat.completion';

export interface ReportedCall {
  provider: string;
  model?: string | null;
  gateway?: string | null;
  /** The SDK method that failed, e.g. `chat.completions.create`. */
  operation?: string;
}

/**
 * The AlertEvent of one failed call: classified as the generation worker classifies what its SDK
 * threw (SDK errors, `{ status, body, headers }` responses, network errors), operator rules first.
 */
export function reportedFailureEvent(
  error: unknown,
  call: ReportedCall,
  meta: { id: string; occurredAt: Date; rules?: OperatorRules; classify?: ClassifyOptions },
): AlertEvent {
  const ctx = { provider: call.provider, model: call.model ?? null, gateway: call.gateway ?? null };
  const classified = classifyWithOperatorRules(error, ctx, meta.rules ?? NO_OPERATOR_RULES, meta.classify);
  // Whole, as the worker publishes it: the rule and confidence ride along for whoever reads the queue.
  return alertEventFrom(classified, {
    id: meta.id,
    source: 'generation',
    operation: call.operation || DEFAULT_REPORTED_OPERATION,
    occurredAt: meta.occurredAt,
  });
}

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** A provider's error answer as an app received it, posted for Faultline to classify. */
export const RawProviderError = z.strictObject({
  provider: text(L.provider).min(1, 'name the provider, e.g. openai'),
  model: text(L.model).nullable().optional(),
  gateway: text(L.name).nullable().optional(),
  operation: text(L.name).min(1).optional(),
  /** The producer's own id for this failure: posting it again adds nothing. */
  id: text(L.eventId).min(1).optional(),
  occurredAt: z.iso.datetime().optional(),
  status: z
    .number()
    .int()
    .min(100, 'expected an HTTP status (100 to 599)')
    .max(599, 'expected an HTTP status'),
  /** The response body: the provider's JSON, or its text. */
  body: z.unknown(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type RawProviderError = z.output<typeof RawProviderError>;

const redactOrNull = (v: string | null) => (v === null ? null : redactSecrets(v));

/**
 * An event from outside with every free text passed through the redactor: a producer's message may
 * quote a key back, and the alerter copies it into Redis, mails and webhooks.
 */
export function redactedEvent(event: AlertEvent): AlertEvent {
  const context = event.context && {
    ...Object.fromEntries(
      Object.entries(event.context).map(([k, v]) => [k, typeof v === 'string' ? redactSecrets(v) : v]),
    ),
  };
  return {
    ...event,
    model: redactOrNull(event.model),
    gateway: redactOrNull(event.gateway),
    providerCode: redactOrNull(event.providerCode),
    requestId: redactOrNull(event.requestId),
    reason: redactSecrets(event.reason),
    originalError: redactSecrets(event.originalError),
    message: redactSecrets(event.message),
    recommendedActions: event.recommendedActions.map(redactSecrets),
    ...(context ? { context: context as AlertEvent['context'] } : {}),
  };
}
