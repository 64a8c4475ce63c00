import {
  type AlertEvent,
  alertEventFrom,
  type ClassifiedError,
  redactSecrets,
  TAXONOMY,
} from '@faultline/core';
import type { AlertPublisher } from '@faultline/runtime';
import type { Job } from 'bullmq';
import { generationEventId } from './event-id.ts';
import type { RunMetrics } from './run-metrics.ts';

/** The reason of a job BullMQ failed because the worker running it kept disappearing. */
export const STALLED = 'stalled';
/** The reason of a job that failed for good on an error the processor did not classify. */
export const UNCLASSIFIED = 'unclassified_failure';

/**
 * BullMQ's failedReason for a job lost more than `maxStalledCount` times (its lock expired: the
 * worker crashed, was OOM-killed, or was cut off after SHUTDOWN_GRACE mid-call), and for one
 * started more than `maxStartedAttempts` times (bullmq `Worker.getUnrecoverableErrorMessage`).
 */
const STALL_REASON = /(stalled|started) more than allowable limit/;

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);

/**
 * What to say of a job that failed for good with no classified attempt. `unknown`, not
 * `network_error`: nothing is known of the provider call, which may even have succeeded; a
 * crash-looping fleet is the worker's fault, not the provider's.
 */
export function unclassifiedFailure(
  job: Pick<Job, 'id' | 'data'>,
  error: Error,
  gatewayOf: (provider: string) => string | null,
): ClassifiedError {
  const data = (job.data ?? {}) as Record<string, unknown>;
  const provider = str(data.provider, 'unknown');
  const stalled = STALL_REASON.test(error.message);
  return {
    category: 'unknown',
    severity: TAXONOMY.unknown.severity,
    isRetryable: false,
    provider,
    model: str(data.model, '') || null,
    gateway: gatewayOf(provider),
    statusCode: null,
    providerCode: null,
    reason: stalled ? STALLED : UNCLASSIFIED,
    retryAfterMs: null,
    requestId: null,
    originalError: error.name || 'Error',
    message: redactSecrets(
      stalled
        ? `generation job ${job.id} failed as stalled (${error.message}): the worker running it died or ` +
            'was stopped mid-call; whether the provider answered is unknown'
        : `generation job ${job.id} failed without a classified attempt: ${error.message}`,
    ),
    recommendedActions: stalled
      ? [
          'Check the generation workers for crashes, OOM kills and restarts (kubectl get pods; dmesg)',
          'Keep GENERATION_TIMEOUT within SHUTDOWN_GRACE, and the pod grace period above SHUTDOWN_GRACE',
        ]
      : [...TAXONOMY.unknown.actions(provider), 'Read the generation worker log for this job id'],
  };
}

export interface UnclassifiedFailureDeps {
  alerts: AlertPublisher;
  metrics: RunMetrics;
  gatewayOf: (provider: string) => string | null;
}

/**
 * A job that failed for good without the processor classifying that attempt (BullMQ failed it for
 * stalling too often, publishing its event threw, an adapter threw) still raises its AlertEvent and
 * ends its run: both as `unknown`, under the attempt's own id and marker, so an attempt the
 * processor did publish or count adds nothing. The count goes ahead even when the publish fails:
 * a run must finish.
 */
export async function reportUnclassifiedFailure(
  deps: UnclassifiedFailureDeps,
  job: Job,
  error: Error,
): Promise<void> {
  // finishedOn is set only when the job moved to failed, not when it was handed back for a retry.
  if (!job.finishedOn) return;
  // BullMQ counted the failed attempt already: attemptsMade is that attempt's number.
  const attempt = job.attemptsMade;
  const classified = unclassifiedFailure(job, error, deps.gatewayOf);
  const event: AlertEvent = alertEventFrom(classified, {
    id: generationEventId(job, attempt),
    source: 'generation',
    operation: 'chat.completion',
    occurredAt: new Date(),
  });
  const published = deps.alerts.publish(event, { notBefore: job.timestamp });
  const runId = (job.data as { runId?: unknown } | undefined)?.runId;
  const counted =
    typeof runId === 'string' && runId
      ? deps.metrics.record(runId, `${job.id}:${attempt}`, {
          kind: 'failed',
          category: 'unknown',
          severity: TAXONOMY.unknown.severity,
          final: true,
        })
      : null;
  const [publish, count] = await Promise.allSettled([published, counted]);
  if (publish.status === 'rejected') throw publish.reason;
  if (count.status === 'rejected') throw count.reason;
}
