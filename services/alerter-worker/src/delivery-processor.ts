import { type Logger, METRICS, type MetricsCounters, type RedisKeys } from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AlertChannel } from './channels/index.ts';
import type { DeliveryJob } from './dispatch.ts';

/**
 * Sends one (notification, target). A failure throws, and BullMQ retries with backoff from Redis.
 * The `delivered` mark is set right after a channel accepted, so a retry after a crash in between
 * is the only way to send twice, and a replayed job that finds the mark sends nothing.
 */
export function deliveryProcessor(deps: {
  channels: Map<string, AlertChannel>;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  counters: MetricsCounters;
}) {
  return async function deliver(job: Job): Promise<string> {
    const { channel, notification, target: targetName = channel } = job.data as DeliveryJob;
    const deliveryId = `${notification.id}-${targetName}`;
    const target = deps.channels.get(targetName);
    if (!target) throw new Error(`channel ${targetName} is not enabled in this alerter's configuration`);
    // Only a job started before (its worker died, or it is retried) can find its notification sent.
    const startedBefore = (job.attemptsStarted ?? 1) > 1 || job.attemptsMade > 0;
    if (startedBefore && (await deps.redis.exists(deps.keys.delivered(deliveryId))))
      return 'already delivered';
    try {
      await target.deliver(notification);
    } catch (error) {
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
      throw error;
    }
    await deps.redis.set(deps.keys.delivered(deliveryId), '1', 'EX', 7 * 86_400);
    deps.counters.incr(METRICS.notifications, { channel, outcome: 'sent' });
    return 'delivered';
  };
}
