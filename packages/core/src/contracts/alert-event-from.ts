import type { ClassifiedError } from '../taxonomy.ts';
import type { AlertEvent, AlertSource } from './alert-event.ts';

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
  return {
    id: meta.id,
    occurredAt: meta.occurredAt.toISOString(),
    source: meta.source,
    operation: meta.operation,
    state: 'firing',
    ...classified,
    ...(meta.context ? { context: meta.context } : {}),
  };
}
