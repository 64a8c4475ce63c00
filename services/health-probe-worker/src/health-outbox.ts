import type { AlertEvent } from '@faultline/core';
import {
  AlertEventIdTakenError,
  type AlertPublisher,
  type Logger,
  type ModelHealthStore,
} from '@faultline/runtime';

/** How long an outbox event may wait for its own probe to publish it before another probe does. */
export const OUTBOX_DRAIN_MS = 5_000;

/**
 * Health events (a model's transitions, an aggregate firing or ending) are written to the health
 * outbox in the same Redis step as the state they describe, and published from here with their own
 * ids, so the alerts queue never adds one twice. One the alerts queue refuses (NOPERM, OOM, a
 * failover outlasting the publisher's retries), or one whose worker died before publishing it, stays
 * in the outbox and a later probe publishes it: sent once, late, rather than never.
 */
export function healthOutbox(store: ModelHealthStore, alerts: AlertPublisher, logger: Logger) {
  /** Publishes each event it can and marks those published; the others wait for the drain. */
  async function send(events: AlertEvent[]): Promise<{ sent: number; error?: unknown }> {
    const done: string[] = [];
    let failure: unknown;
    for (const event of events) {
      try {
        await alerts.publish(event);
        done.push(event.id);
      } catch (error) {
        // Another event holds its id: no retry can ever add it, and left here it would be tried forever.
        if (error instanceof AlertEventIdTakenError) {
          logger.error({ err: error }, 'health event dropped from the outbox');
          done.push(event.id);
        } else failure ??= error;
      }
    }
    await store.published(done);
    return { sent: done.length, ...(failure ? { error: failure } : {}) };
  }

  let drainedAt = 0;
  return {
    /** Right after the write, so an alert is not late by a drain interval; what fails is left to the drain. */
    async publish(events: AlertEvent[]): Promise<void> {
      if (!events.length) return;
      const { error } = await send(events);
      if (error)
        logger.warn(
          { err: error, events: events.map((e) => e.id) },
          'health events left in the outbox for a later probe: the alerts queue refused them',
        );
    },
    /** What earlier probes left behind, at most once per OUTBOX_DRAIN_MS in this process. */
    async drain(now: number): Promise<void> {
      if (now - drainedAt < OUTBOX_DRAIN_MS) return;
      drainedAt = now;
      const left = await store.unpublished(now - OUTBOX_DRAIN_MS);
      if (!left.length) return;
      const { sent, error } = await send(left);
      if (sent) logger.warn({ events: sent }, 'published health events a failed probe left behind');
      if (error)
        logger.warn(
          { err: error, events: left.length - sent },
          'health events still in the outbox: the alerts queue refused them',
        );
    },
  };
}
export type HealthOutbox = ReturnType<typeof healthOutbox>;
