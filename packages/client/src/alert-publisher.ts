import { type AlertEvent, fitAlertEvent } from '@faultline/core';
import type { Job, Queue } from 'bullmq';
import { JOB_NAMES } from './queues.ts';

/** The backoff type of alert-event jobs: the alerts worker's `alertEventBackoff`. */
export const ALERT_EVENT_BACKOFF = 'alert-event';

/**
 * How often the alerter may fail to take an event in before it stays failed: 180 tries, the first
 * within a second (a blip costs no latency), backing off to 15–30 s apart, outlast a Redis failover
 * or restart by far (about 45–90 min in all; at least 40).
 */
export const ALERT_EVENT_RETRY = {
  attempts: 180,
  backoff: { type: ALERT_EVENT_BACKOFF },
};

/**
 * 0.5 s doubling to at most 30 s, each wait cut by up to half at random so that replicas retrying
 * after one failover do not come back in step. BullMQ's own exponential backoff has no cap.
 */
export const alertEventBackoff = (attemptsMade: number, random = Math.random) =>
  Math.round(Math.min(30_000, 500 * 2 ** Math.max(0, attemptsMade - 1)) * (1 - random() / 2));

/** ALERT_EVENTS_KEPT's default: how many completed alert events are kept, a day at most. */
export const ALERT_EVENTS_KEPT_DEFAULT = 100_000;

/**
 * Bounded, so Redis does not fill with one job per failed attempt (G1), and so an id can never
 * match a job kept forever (L4). A day of completed events still dedups late replays.
 */
export const alertEventRetention = (keptCompleted = ALERT_EVENTS_KEPT_DEFAULT) => ({
  removeOnComplete: { age: 86_400, count: keptCompleted },
  removeOnFail: { age: 30 * 86_400, count: 10_000 },
});
export const ALERT_EVENT_RETENTION = alertEventRetention();

/** How long publish() keeps retrying an add that Redis refused for a moment (a failover, a restart). */
export const PUBLISH_RETRY_MS = 60_000;

/** Errors that a later try can get past: a node mid-failover, loading, or a dropped connection. */
const TRANSIENT =
  /\bREADONLY\b|\bLOADING\b|\bMASTERDOWN\b|\bTRYAGAIN\b|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|Connection is closed/;

/**
 * An event id that already names another event: BullMQ keeps the old job and drops the new one
 * without a word (`duplicated`), so the new failure would never alert anyone.
 */
export class AlertEventIdTakenError extends Error {
  override readonly name = 'AlertEventIdTakenError';
  constructor(
    readonly id: string,
    existing: Partial<AlertEvent>,
    event: AlertEvent,
  ) {
    super(
      `alert event id ${id} is taken by an earlier event (${existing.source} ${existing.provider}/` +
        `${existing.model} ${existing.state} at ${existing.occurredAt}); this one (${event.provider}/` +
        `${event.model} ${event.state} at ${event.occurredAt}) was not added: its producer reused an id`,
    );
  }
}

export interface PublishOptions {
  /**
   * When the thing that failed came into being (a generation job's timestamp): an event already
   * stored under the id that occurred before this belongs to an earlier job that had the same id.
   */
  notBefore?: number;
}

/**
 * The same event again (a replayed attempt, perhaps classified otherwise the second time) rather
 * than another one under a reused id.
 */
function sameEvent(existing: Partial<AlertEvent>, event: AlertEvent, notBefore: number | undefined): boolean {
  if (
    existing.source !== event.source ||
    existing.provider !== event.provider ||
    existing.model !== event.model ||
    existing.state !== event.state
  )
    return false;
  return notBefore === undefined || Date.parse(existing.occurredAt ?? '') >= notBefore;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes on the alerts queue under the event's own id: a replayed attempt (a worker that died
 * after publishing) adds nothing, because BullMQ refuses a second job with the same id. An id that
 * names another event is an error, not a silent no-op. A Redis refusing writes for a moment is
 * tried again for up to `retryForMs`.
 */
export function alertPublisher(
  alerts: Queue,
  opts: {
    retryForMs?: number;
    /** ALERT_EVENTS_KEPT: completed events kept for their ids, the largest set an outage fills. */
    keptCompleted?: number;
  } = {},
) {
  const retryForMs = opts.retryForMs ?? PUBLISH_RETRY_MS;
  const retention = alertEventRetention(opts.keptCompleted);

  async function add(event: AlertEvent): Promise<Job> {
    const deadline = Date.now() + retryForMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await alerts.add(JOB_NAMES.alert, event, {
          jobId: event.id,
          ...ALERT_EVENT_RETRY,
          ...retention,
        });
      } catch (error) {
        if (!TRANSIENT.test((error as Error)?.message ?? '') || Date.now() + wait > deadline) throw error;
        await sleep(wait);
      }
    }
  }

  return {
    async publish(whole: AlertEvent, options: PublishOptions = {}): Promise<Job> {
      // Within the contract's bounds, or the alerter would refuse what it quotes (a long provider code).
      const event = fitAlertEvent(whole);
      const added = await add(event);
      // BullMQ answers a duplicate with our own job object: only the stored job tells them apart.
      const stored = await alerts.getJob(event.id);
      if (!stored || stored.timestamp === added.timestamp) return added;
      const existing = (stored.data ?? {}) as Partial<AlertEvent>;
      if (!sameEvent(existing, event, options.notBefore))
        throw new AlertEventIdTakenError(event.id, existing, event);
      return stored;
    },
  };
}
export type AlertPublisher = ReturnType<typeof alertPublisher>;
