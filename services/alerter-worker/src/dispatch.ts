import {
  alertSubject,
  type Channel,
  goesToSentry,
  HOUR_MS,
  type Notification,
  type RoutingPolicy,
} from '@faultline/core';
import { JOB_NAMES, METRICS, type MetricsCounters } from '@faultline/runtime';
import type { Queue } from 'bullmq';
import type { ChannelCap } from './channel-cap.ts';
import { type DeliveryRetryPolicy, deliveryRetryOptions } from './delivery-retry.ts';
import { addTimer, COMPLETED_KEPT, type DeliveryJob, FLUSH_RETRY, jobIds } from './jobs.ts';
import type { Clock } from './pipeline.ts';

/** Failed deliveries are kept 30 days, at most 10,000 of them: long enough to replay, not forever. */
export const FAILED_DELIVERIES_KEPT = { age: 30 * 86_400, count: 10_000 };

export interface DeliveryTarget {
  target: string;
  channel: Channel;
}

/**
 * One delivery job per (notification, target), id `<notification>-<target>`: dispatching the same
 * notification again adds nothing twice, and a target that is down delays only its own jobs. Sentry
 * takes every group at or above SENTRY_MIN_SEVERITY; the people channels only what routing says notifies.
 */
export function dispatcher(deps: {
  deliveries: Queue;
  timers: Queue;
  cap: ChannelCap;
  targets: DeliveryTarget[];
  /** How deliveries are retried: by age (DELIVERY_MAX_AGE), with the deliveries worker's `delivery` backoff. */
  retry: DeliveryRetryPolicy;
  subjectPrefix: string;
  counters: MetricsCounters;
  routing: RoutingPolicy;
  clock: Clock;
}) {
  const jobOptions = (id: string) => ({
    jobId: id,
    ...deliveryRetryOptions(deps.retry),
    removeOnComplete: COMPLETED_KEPT,
    // Deliveries that gave up (DELIVERY_MAX_AGE passed, or a permanent answer) stay in the failed set
    // for `faultline alerts retry-failed`, by age and count rather than forever.
    removeOnFail: FAILED_DELIVERIES_KEPT,
  });

  async function send(n: Notification, to: DeliveryTarget): Promise<void> {
    await deps.deliveries.add(
      JOB_NAMES.deliver,
      { channel: to.channel, target: to.target, notification: n } satisfies DeliveryJob,
      jobOptions(jobIds.delivery(n.id, to.target)),
    );
  }

  return {
    /** `at` is when the notification was taken: the cap counts it in that hour, however late this runs. */
    async dispatch(n: Notification, at: number): Promise<string[]> {
      const targets = deps.targets.filter((t) =>
        t.channel === 'sentry' ? goesToSentry(n.event, deps.routing) : n.notify,
      );
      const sent: string[] = [];
      await Promise.all(
        targets.map(async (to) => {
          if (n.event.source !== 'test' && n.kind !== 'summary') {
            const verdict = await deps.cap.admit(to.target, n.id, alertSubject(n, deps.subjectPrefix), at);
            if (verdict !== 'send') {
              if (verdict === 'held-first') {
                const hour = Math.floor(at / HOUR_MS);
                await addTimer(
                  deps.timers,
                  JOB_NAMES.capSummary,
                  { channel: to.channel, target: to.target, hour },
                  {
                    jobId: jobIds.capSummary(to.target, hour),
                    delay: Math.max(0, (hour + 1) * HOUR_MS - deps.clock()),
                    removeOnComplete: COMPLETED_KEPT,
                    // The only record of what the cap held that hour: retried like a flush.
                    ...FLUSH_RETRY,
                  },
                );
              }
              return;
            }
          }
          await send(n, to);
          deps.counters.incr(METRICS.notificationsSuppressed, { channel: to.channel }, n.suppressed);
          sent.push(to.target);
        }),
      );
      return sent;
    },
    send,
    targets: deps.targets,
  };
}
export type Dispatcher = ReturnType<typeof dispatcher>;
