import type { AlertEvent } from '@faultline/core';
import type { Queue } from 'bullmq';
import { JOB_NAMES } from './queues.ts';

/**
 * Publishes on the alerts queue under the event's own id: a replayed attempt (a worker that died
 * after publishing) adds nothing, because BullMQ refuses a second job with the same id.
 */
export function alertPublisher(alerts: Queue) {
  return {
    publish: (event: AlertEvent) =>
      alerts.add(JOB_NAMES.alert, event, {
        jobId: event.id,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        // Kept a day so the id still dedups late replays; failed ones stay for inspection.
        removeOnComplete: { age: 86_400 },
        removeOnFail: false,
      }),
  };
}
export type AlertPublisher = ReturnType<typeof alertPublisher>;
