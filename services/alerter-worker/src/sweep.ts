import type { Logger } from '@faultline/runtime';
import type { GroupStore } from './group-store.ts';
import { jobIds } from './jobs.ts';
import type { NotificationOutbox } from './notification-outbox.ts';
import type { Notifier } from './notify.ts';
import type { Clock } from './pipeline.ts';

/**
 * One sweep job for all groups, rather than a timer job per group, keeps the first notification of a
 * group one Redis job cheaper. It first queues what failed flushes and resolutions left in the
 * outbox, then flushes groups whose timer went missing, then resolves the open groups quiet for
 * ALERT_RESOLVE_AFTER (health-probe groups are not in that set: they wait for their recovery event).
 * A failure is logged and left for the next sweep.
 */
export function sweeper(deps: {
  groups: GroupStore;
  outbox: NotificationOutbox;
  notifier: Notifier;
  logger: Logger;
  clock: Clock;
  resolveAfterMs: number;
  /** How often the sweep runs; an outbox entry older than this was left behind by its flush. */
  sweepEveryMs: number;
}) {
  const { groups, outbox, notifier, logger } = deps;
  return async function sweep(): Promise<string> {
    const now = deps.clock();
    let recovered = 0;
    let repaired = 0;
    let resolved = 0;
    let failed = 0;
    const failure = (error: unknown, what: string) => {
      failed++;
      logger.warn(
        { err: (error as Error).message, what },
        'alert sweep step failed; the next sweep retries it',
      );
    };
    for (const entry of await outbox.leftBefore(now - deps.sweepEveryMs, 500)) {
      try {
        await notifier.handOver(entry);
        recovered++;
      } catch (error) {
        failure(error, entry.id);
      }
    }
    // Flushes owed a sweep ago and still not taken: their timer job was never added (its write failed
    // after the group script ran) or was lost. The flush id is the one the timer would have had.
    for (const due of await groups.overdue(now - deps.sweepEveryMs, 200)) {
      try {
        await notifier.flush(
          due.fp,
          due.gen,
          jobIds.flush(due.fp, due.gen, due.firstSeen, due.lastNotifiedAt),
        );
        repaired++;
      } catch (error) {
        failure(error, due.fp);
      }
    }
    for (;;) {
      const due = await groups.quietSince(now - deps.resolveAfterMs, 200);
      for (const fp of due) {
        try {
          const outcome = await groups.resolve(fp, now, { quietMs: deps.resolveAfterMs });
          if (outcome.kind === 'resolved' || outcome.kind === 'silent') resolved++;
          await notifier.announce(fp, outcome);
        } catch (error) {
          failure(error, fp);
        }
      }
      if (due.length < 200 || failed) break;
    }
    if (recovered) logger.info({ recovered }, 'queued notifications that failed flushes left behind');
    if (repaired) logger.warn({ repaired }, 'flushed groups whose timer was missing');
    return `${resolved} resolved, ${recovered} left-behind queued, ${repaired} missing timers repaired, ${failed} failed`;
  };
}
