import { alertSubject, type Channel, type Notification } from '@faultline/core';
import { JOB_NAMES, METRICS, type MetricsCounters } from '@faultline/runtime';
import type { Queue } from 'bullmq';
import type { ChannelCap } from './channel-cap.ts';
import { HOUR_MS } from './channel-cap.ts';

export interface DeliveryJob {
  channel: Channel;
  notification: Notification;
}

/**
 * One delivery job per (notification, channel), id `<notification>-<channel>`: a retried flush adds
 * nothing twice, and a channel that is down delays only its own jobs. Sentry takes every group;
 * the people channels only what routing says notifies.
 */
export function dispatcher(deps: {
  deliveries: Queue;
  timers: Queue;
  cap: ChannelCap;
  channels: Channel[];
  attempts: number;
  backoffMs: number;
  subjectPrefix: string;
  counters: MetricsCounters;
}) {
  const jobOptions = (id: string) => ({
    jobId: id,
    attempts: deps.attempts,
    backoff: { type: 'exponential' as const, delay: deps.backoffMs },
    removeOnComplete: { age: 86_400 },
    // Exhausted deliveries stay in the failed set for `faultline alerts retry-failed`.
    removeOnFail: false,
  });

  async function send(n: Notification, channel: Channel): Promise<void> {
    await deps.deliveries.add(
      JOB_NAMES.deliver,
      { channel, notification: n } satisfies DeliveryJob,
      jobOptions(`${n.id}-${channel}`),
    );
  }

  return {
    async dispatch(n: Notification, now: number): Promise<Channel[]> {
      const targets = deps.channels.filter((c) => c === 'sentry' || n.notify);
      const sent: Channel[] = [];
      await Promise.all(
        targets.map(async (channel) => {
          if (n.event.source !== 'test' && n.kind !== 'summary') {
            const verdict = await deps.cap.admit(channel, alertSubject(n, deps.subjectPrefix), now);
            if (verdict !== 'send') {
              if (verdict === 'held-first') {
                const hour = Math.floor(now / HOUR_MS);
                await deps.timers.add(
                  JOB_NAMES.capSummary,
                  { channel, hour },
                  {
                    jobId: `cap-${channel}-${hour}`,
                    delay: Math.max(0, (hour + 1) * HOUR_MS - now),
                    removeOnComplete: { age: 86_400 },
                  },
                );
              }
              return;
            }
          }
          await send(n, channel);
          deps.counters.incr(METRICS.notificationsSuppressed, { channel }, n.suppressed);
          sent.push(channel);
        }),
      );
      return sent;
    },
    send,
  };
}
export type Dispatcher = ReturnType<typeof dispatcher>;
