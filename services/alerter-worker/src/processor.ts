import {
  AlertEvent,
  ContractError,
  clip,
  fingerprintOf,
  type GroupKey,
  parseContract,
  redactDeep,
} from '@faultline/core';
import { JOB_NAMES, type Logger } from '@faultline/runtime';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { GroupStore } from './group-store.ts';
import { addTimer, COMPLETED_KEPT, FLUSH_RETRY, jobIds } from './jobs.ts';
import type { Notifier } from './notify.ts';
import type { Clock } from './pipeline.ts';
import type { RateLimitWindow } from './rate-limit-window.ts';

export interface EventProcessorDeps {
  groups: GroupStore;
  window: RateLimitWindow;
  timers: Queue;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  groupBy: GroupKey[];
  groupWaitMs: number;
  repeatIntervalMs: number;
  /** ALERT_RESOLVE_HOLD: how long a recovery must hold before its group closes. */
  resolveHoldMs: number;
}

const BREAKER_OPENINGS = new Set(['breaker_opened', 'trial_failed']);

/** A malformed event bigger than this stays in the failed set as a note of its size and faults. */
const MALFORMED_EVENT_KEPT_BYTES = 65_536;

/**
 * An AlertEvent arrives: validate it, count it into its group atomically, and set the group's
 * timer when it is new (notify after ALERT_GROUP_WAIT) or due a repeat. Nothing is sent from here.
 */
export function eventProcessor(deps: EventProcessorDeps) {
  // Unknown until parsed: producers in other languages send what they send.
  return async function processAlertEvent(job: Job<unknown>): Promise<string> {
    let event: AlertEvent;
    try {
      // Producers in other languages may not redact: nothing unredacted goes further than this, and
      // the job's own copy, kept in Redis and shown on the dashboard for days, is replaced (review S6).
      const redacted = redactDeep(job.data);
      if (JSON.stringify(redacted) !== JSON.stringify(job.data)) await job.updateData(redacted);
      event = parseContract(AlertEvent, 'AlertEvent', redacted);
    } catch (error) {
      if (error instanceof ContractError) {
        deps.logger.error({ jobId: job.id, issues: error.issues }, 'malformed alert event rejected');
        // Kept in the failed set for a look, but not a producer's megabyte: its size and what was wrong.
        const bytes = Buffer.byteLength(JSON.stringify(job.data) ?? '');
        if (bytes > MALFORMED_EVENT_KEPT_BYTES)
          await job.updateData({ dropped: `a ${bytes}-byte alert event: ${clip(error.message, 4_096)}` });
        throw new UnrecoverableError(clip(error.message, 4_096));
      }
      throw error;
    }
    const now = deps.clock();
    const fp = fingerprintOf(event, deps.groupBy);
    if (event.state === 'resolved') {
      const recovered = await deps.groups.recover(fp, event, now);
      if (recovered.kind === 'none') return 'recovery noted';
      const due = recovered.since + deps.resolveHoldMs - now;
      if (due <= 0) {
        await deps.notifier.settle(fp, recovered.gen, recovered.since);
        return 'resolved';
      }
      await addTimer(
        deps.timers,
        JOB_NAMES.settle,
        { fingerprint: fp, gen: recovered.gen, since: recovered.since },
        {
          jobId: jobIds.settle(fp, recovered.gen, recovered.since),
          delay: due,
          removeOnComplete: COMPLETED_KEPT,
          ...FLUSH_RETRY,
        },
      );
      return 'resolving';
    }
    // A breaker that opens (or opens again after a failed trial) is its own Sentry event.
    if (event.source === 'health_probe' && BREAKER_OPENINGS.has(event.reason))
      await deps.notifier.toSentry(fp, event);
    // A test alert goes straight through; everything else waits to gather its group.
    const wait = event.source === 'test' ? 0 : deps.groupWaitMs;
    const [recorded] = await Promise.all([
      deps.groups.record(fp, event, now, deps.repeatIntervalMs, wait),
      deps.window.note(event, now),
    ]);
    if (recorded.outcome === 'stale') return 'stale: older than its recovery';
    // A replayed job (its worker died, or its timer write failed, after counting the event) re-arms
    // the flush its group still owes: the first, or the repeat. Ids are the group's, so BullMQ adds
    // nothing when the first run did set it; the sweep takes any the replay does not.
    const replay = (job.attemptsStarted ?? 1) > 1 || job.attemptsMade > 0;
    const owed = recorded.outcome === 'counted' && replay ? recorded.owed : null;
    if (recorded.outcome === 'new' || owed === 'first') {
      if (wait === 0) {
        await deps.notifier.flush(fp, recorded.gen, jobIds.flush(fp, recorded.gen, recorded.firstSeen));
        return 'notified';
      }
      await addTimer(
        deps.timers,
        JOB_NAMES.flush,
        { fingerprint: fp, gen: recorded.gen },
        {
          jobId: jobIds.flush(fp, recorded.gen, recorded.firstSeen),
          delay: wait,
          removeOnComplete: COMPLETED_KEPT,
          ...FLUSH_RETRY,
        },
      );
    } else if (
      recorded.outcome === 'repeat' ||
      owed === 'repeat' ||
      // A burst that became sustained after its group's first notification went to Sentry only:
      // people hear of it now, not at the next repeat an hour later.
      (recorded.untold && (await deps.window.sustained(event, now)))
    ) {
      await addTimer(
        deps.timers,
        JOB_NAMES.flush,
        { fingerprint: fp, gen: recorded.gen },
        {
          jobId: jobIds.flush(fp, recorded.gen, recorded.firstSeen, recorded.lastNotifiedAt),
          removeOnComplete: COMPLETED_KEPT,
          ...FLUSH_RETRY,
        },
      );
    }
    return recorded.outcome;
  };
}
