import { type Notification, redactSecrets } from '@faultline/core';
import { type Logger, METRICS, type MetricsCounters, type RedisKeys } from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AlertChannel } from './channels/index.ts';
import {
  type DeliveryHealth,
  deliveryFailingNotification,
  deliveryRecoveredNotification,
} from './delivery-health.ts';
import type { DeliveryTarget } from './dispatch.ts';
import { type DeliveryJob, jobIds } from './jobs.ts';
import type { Clock } from './pipeline.ts';

/**
 * Sends one (notification, target). A failure throws, and BullMQ retries with the `delivery`
 * backoff (delivery-retry.ts) until DELIVERY_MAX_AGE; a permanent answer throws UnrecoverableError
 * and fails at once. The `delivered` mark is set right after a channel accepted, so a retry after a
 * crash in between is the only way to send twice, and a replayed job that finds the mark sends nothing.
 *
 * Each attempt also tells `health` how its target is doing: a target failing for longer than
 * DELIVERY_FAILING_ALERT_AFTER gets one meta-alert on the other targets, and one recovery when a
 * delivery on it succeeds again.
 */
export function deliveryProcessor(deps: {
  channels: Map<string, AlertChannel>;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  counters: MetricsCounters;
  health?: DeliveryHealth;
  /** Queues a notification on one target (the dispatcher's `send`), and the targets there are. */
  meta?: { send(n: Notification, to: DeliveryTarget): Promise<void>; targets: DeliveryTarget[] };
  clock?: Clock;
}) {
  const clock = deps.clock ?? Date.now;
  async function tellOthers(
    about: string,
    build: (channel: DeliveryTarget['channel']) => Notification,
  ): Promise<boolean> {
    if (!deps.meta) return false;
    const subject = deps.meta.targets.find((t) => t.target === about);
    if (!subject) return false;
    const n = build(subject.channel);
    await Promise.all(deps.meta.targets.filter((t) => t.target !== about).map((t) => deps.meta!.send(n, t)));
    deps.logger.warn({ target: about, notification: n.id }, n.event.message);
    return true;
  }

  async function noteFailure(target: string, channel: string, error: Error): Promise<void> {
    if (!deps.health) return;
    const now = clock();
    try {
      // A receiver's answer could echo anything: it goes to the other channels redacted.
      const lastError = redactSecrets(error.message);
      const due = await deps.health.failed(target, lastError, now);
      if (!due) return;
      const sent = await tellOthers(target, (ch) =>
        deliveryFailingNotification({ target, channel: ch, lastError, now, ...due }),
      );
      if (sent) await deps.health.alertQueued(target);
    } catch (e) {
      deps.logger.error(
        { err: (e as Error).message, target, channel },
        'could not note a failing delivery target',
      );
    }
  }

  async function noteSuccess(target: string, channel: string): Promise<void> {
    if (!deps.health) return;
    try {
      const ended = await deps.health.succeeded(target);
      if (!ended) return;
      await tellOthers(target, (ch) =>
        deliveryRecoveredNotification({ target, channel: ch, now: clock(), ...ended }),
      );
    } catch (e) {
      deps.logger.error(
        { err: (e as Error).message, target, channel },
        'could not tell a delivery target recovered',
      );
    }
  }

  return async function deliver(job: Job<DeliveryJob>): Promise<string> {
    const { channel, notification, target: targetName = channel } = job.data;
    const deliveryId = jobIds.delivery(notification.id, targetName);
    const target = deps.channels.get(targetName);
    if (!target) {
      const error = new Error(`channel ${targetName} is not enabled in this alerter's configuration`);
      await noteFailure(targetName, channel, error);
      throw error;
    }
    // Only a job started before (its worker died, or it is retried) can find its notification sent.
    const startedBefore = (job.attemptsStarted ?? 1) > 1 || job.attemptsMade > 0;
    if (startedBefore && (await deps.redis.exists(deps.keys.delivered(deliveryId))))
      return 'already delivered';
    try {
      await target.deliver(notification);
    } catch (error) {
      // Thrown on, a receiver's answer becomes the job's failed reason and stack trace in Redis (review S6).
      if (error instanceof Error) {
        error.message = redactSecrets(error.message);
        if (error.stack) error.stack = redactSecrets(error.stack);
      }
      deps.counters.incr(METRICS.notifications, { channel, outcome: 'failed' });
      deps.logger.warn(
        {
          channel,
          notification: notification.id,
          attempt: job.attemptsMade + 1,
          err: (error as Error).message,
        },
        'delivery failed',
      );
      await noteFailure(targetName, channel, error as Error);
      throw error;
    }
    await deps.redis.set(deps.keys.delivered(deliveryId), '1', 'EX', 7 * 86_400);
    deps.counters.incr(METRICS.notifications, { channel, outcome: 'sent' });
    await noteSuccess(targetName, channel);
    return 'delivered';
  };
}
