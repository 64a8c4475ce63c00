import type { Channel, Notification } from '@faultline/core';
import { JOB_NAMES } from '@faultline/runtime';
import type { Job, JobsOptions, Queue } from 'bullmq';

/**
 * What each of the alerter's own jobs carries, by job name, and the ids they are added with. Every
 * id is deterministic: whoever adds a job (the event's processor, its replay, the sweep's repair, a
 * retried dispatch) adds the same one, so BullMQ keeps one. The notification ids these build on are
 * the group's (`packages/core/src/alerting/group-notifications.ts`): group, generation, first seen.
 */
export interface TimerJobs {
  [JOB_NAMES.flush]: { fingerprint: string; gen: number };
  [JOB_NAMES.settle]: { fingerprint: string; gen: number; since: number };
  [JOB_NAMES.quietSweep]: Record<string, never>;
  [JOB_NAMES.capSummary]: { channel: Channel; target: string; hour: number };
}

export interface DeliveryJob {
  channel: Channel;
  /** The channel instance to deliver through (one per webhook URL); absent in jobs queued before it was. */
  target?: string;
  notification: Notification;
}

/** A job of the alert-groups queue, narrowed to its data by its name. */
export type TimerJob = {
  [N in keyof TimerJobs]: Omit<Job<TimerJobs[N]>, 'name'> & { name: N };
}[keyof TimerJobs];

/** Adds a timer job whose data is checked against its name. */
export const addTimer = <N extends keyof TimerJobs>(
  queue: Queue,
  name: N,
  data: TimerJobs[N],
  opts: JobsOptions,
) => queue.add(name, data, opts);

/**
 * Completed timers and deliveries are kept a day, so that their ids dedupe a replay's re-add, and at
 * most 100,000 of them, so that an incident storm cannot fill Redis with them (review G1).
 */
export const COMPLETED_KEPT = { age: 86_400, count: 100_000 };

/**
 * A flush is retried until Redis lets it through (a Redis refusing writes, full under noeviction,
 * fails every attempt): one that gave up would leave its group pending, or its repeat owed, for good.
 * The backoff type `flush` is the alert-groups worker's flushBackoff.
 */
export const FLUSH_RETRY = { attempts: 10_000, backoff: { type: 'flush' } };

/** 0.5 s doubling to at most 30 s between attempts: 10,000 of them outlast days of a broken Redis. */
export const flushBackoff = (attemptsMade: number) =>
  Math.min(30_000, 500 * 2 ** Math.max(0, attemptsMade - 1));

export const jobIds = {
  /**
   * A flush names what it takes: the group's first notification, or the repeat after
   * `lastNotifiedAt`. The event processor, its replay and the sweep's repair all add the same job.
   * The group's first event is in it as in its notifications' ids: a group whose hash expired (or
   * was deleted) starts again at generation 1, and must not meet its predecessor's kept job.
   */
  flush: (fp: string, gen: number, firstSeen: number, lastNotifiedAt?: number | null) =>
    lastNotifiedAt === undefined || lastNotifiedAt === null
      ? `flush-${fp}-${gen}-${firstSeen.toString(36)}`
      : `flush-${fp}-${gen}-${firstSeen.toString(36)}-${lastNotifiedAt}`,
  /** A recovery's hold: one per time the group started resolving. */
  settle: (fp: string, gen: number, since: number) => `settle-${fp}-${gen}-${since}`,
  /** The one summary of what a target's hourly cap held back. */
  capSummary: (target: string, hour: number) => `cap-${target}-${hour}`,
  /** One delivery per (notification, target); also its `delivered` mark. */
  delivery: (notificationId: string, target: string) => `${notificationId}-${target}`,
  /** A target's failing period, and its end, are each told once. */
  deliveryFailing: (target: string, since: number) => `delivery-failing-${target}-${since}`,
  deliveryRecovered: (target: string, since: number) => `delivery-recovered-${target}-${since}`,
};
