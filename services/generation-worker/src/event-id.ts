import type { Job } from 'bullmq';

/**
 * The id of the AlertEvent of one attempt of one job. A job id alone comes back: a producer's
 * fixed `jobId: 'canary'` removed on failure, a queue obliterated and its counter reset (L4). The
 * job's timestamp (when this instance was added) sets instances of one id apart, and is the same
 * for a replayed attempt of the instance, so the replay still adds nothing.
 */
export function generationEventId(job: Pick<Job, 'id' | 'timestamp'>, attempt: number): string {
  return `gen-${job.id}-${job.timestamp}-${attempt}`;
}
