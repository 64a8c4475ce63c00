import { JOB_NAMES } from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { TimerJob } from './jobs.ts';
import type { Notifier } from './notify.ts';

/**
 * The `alert-groups` queue's jobs, each run once whichever replica picks it up: the flush that
 * notifies (first after the group wait, later as repeats), the settle that closes a group whose
 * recovery held, the sweep that repairs what faults left behind, and the hourly cap summary.
 */
export function timerRouter(notifier: Notifier, sweep: () => Promise<string>) {
  return async function process(untyped: Job): Promise<string> {
    const job = untyped as unknown as TimerJob;
    switch (job.name) {
      case JOB_NAMES.flush:
        return notifier.flush(job.data.fingerprint, job.data.gen, untyped.id!);
      case JOB_NAMES.settle:
        return notifier.settle(job.data.fingerprint, job.data.gen, job.data.since);
      case JOB_NAMES.quietSweep:
        return sweep();
      case JOB_NAMES.capSummary:
        // Jobs queued before `target` was kept name the channel only.
        return notifier.capSummary(job.data.target ?? job.data.channel, job.data.hour);
      default:
        throw new Error(`unknown alert-groups job "${(job as { name: string }).name}"`);
    }
  };
}
