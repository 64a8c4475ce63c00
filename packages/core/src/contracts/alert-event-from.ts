import type { ClassifiedError } from '../taxonomy.ts';
import type { AlertEvent, AlertSource } from './alert-event.ts';
import { clip, CONTRACT_LIMITS as L } from './limits.ts';

const clipOrNull = (v: string | null, max: number) => (v === null ? null : clip(v, max));

/**
 * The event cut to the AlertEvent contract's bounds. What our own producers publish quotes what others
 * sent (a provider's error code, a job's model name): cut here, it is still alerted on instead of
 * being refused by the alerter as too long.
 */
export function fitAlertEvent(event: AlertEvent): AlertEvent {
  const context = event.context && fitContext(event.context);
  return {
    ...event,
    id: clip(event.id, L.eventId),
    operation: clip(event.operation, L.name),
    provider: clip(event.provider, L.provider),
    model: clipOrNull(event.model, L.model),
    gateway: clipOrNull(event.gateway, L.name),
    providerCode: clipOrNull(event.providerCode, L.name),
    reason: clip(event.reason, L.name),
    requestId: clipOrNull(event.requestId, L.requestId),
    originalError: clip(event.originalError, L.name),
    message: clip(event.message, L.message),
    recommendedActions: event.recommendedActions.slice(0, L.actions).map((a) => clip(a, L.action)),
    ...(context ? { context } : {}),
  };
}

function fitContext(context: NonNullable<AlertEvent['context']>): NonNullable<AlertEvent['context']> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(context).slice(0, L.contextKeys))
    out[k] = typeof v === 'string' ? clip(v, k === 'model_id' ? L.model : L.contextValue) : v;
  return out as NonNullable<AlertEvent['context']>;
}

/** Wraps a classification into the event every source publishes; the id is the caller's dedup key. */
export function alertEventFrom(
  classified: ClassifiedError,
  meta: {
    id: string;
    source: AlertSource;
    operation: string;
    occurredAt: Date;
    context?: AlertEvent['context'];
  },
): AlertEvent {
  return fitAlertEvent({
    id: meta.id,
    occurredAt: meta.occurredAt.toISOString(),
    source: meta.source,
    operation: meta.operation,
    state: 'firing',
    ...classified,
    ...(meta.context ? { context: meta.context } : {}),
  });
}
