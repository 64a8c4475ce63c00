import {
  type AlertEvent,
  capSummaryNotification,
  eventNotification,
  goesToSentry,
  type Notification,
  notificationOfResolution,
  notificationOfTake,
  opensIncident,
  type RoutingPolicy,
} from '@faultline/core';
import { JOB_NAMES, type Logger } from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { ChannelCap } from './channel-cap.ts';
import type { Dispatcher } from './dispatch.ts';
import { flushId } from './flush-id.ts';
import type { GroupStore, ResolveOutcome } from './group-store.ts';
import type { IncidentFacts } from './incident-facts.ts';
import { type NotificationOutbox, type OutboxEntry, parseOutboxEntry } from './notification-outbox.ts';

/**
 * The group's timers, on the `alert-groups` queue: the flush that notifies (first after the group
 * wait, later as repeats), the sweep that resolves groups nobody hears from and queues what a failed
 * flush left behind, and the hourly cap summary. Each runs once, whichever replica picks it up.
 */
export function groupTimers(deps: {
  groups: GroupStore;
  outbox: NotificationOutbox;
  incidents: IncidentFacts;
  dispatcher: Dispatcher;
  cap: ChannelCap;
  logger: Logger;
  resolveAfterMs: number;
  routing: RoutingPolicy;
  /** How often the sweep runs; an outbox entry older than this was left behind by its flush. */
  sweepEveryMs: number;
}) {
  const { groups, outbox, incidents, dispatcher, logger } = deps;

  /**
   * Queues an outbox entry's deliveries, then marks it done. Running it again for the same entry (a
   * retried flush, the sweep after a crash) queues nothing new: the notification and its ids are the same.
   */
  async function handOver(
    entry: OutboxEntry,
  ): Promise<{ n: Notification; sent: string[]; inhibited: boolean }> {
    let n: Notification;
    let inhibited = false;
    if (entry.kind === 'resolution') {
      await incidents.closeIncident(entry.resolution.event, entry.resolution);
      n = notificationOfResolution(entry.resolution, deps.routing);
    } else if (entry.decided) {
      n = entry.decided;
    } else {
      const { take } = entry;
      const facts = await incidents.facts(take.event, Date.now());
      inhibited = facts.inhibited;
      const decided = notificationOfTake(take, facts, deps.routing);
      n = await outbox.decide({ id: entry.id, take }, decided, {
        opensIncident: opensIncident(decided),
        provider: take.event.provider,
        heldUnder: facts.incident,
      });
    }
    // A take that closed its group (its hold had passed) ends the group's incident mark as a resolution does.
    if (entry.kind === 'take' && entry.take.closed)
      await incidents.closeIncident(entry.take.event, entry.take);
    const at = entry.kind === 'take' ? entry.take.at : entry.resolution.at;
    const sent = await dispatcher.dispatch(n, at);
    await outbox.done(entry.id);
    return { n, sent, inhibited };
  }

  async function announce(fp: string, outcome: ResolveOutcome): Promise<void> {
    if (outcome.kind === 'resolved')
      await handOver(parseOutboxEntry(outcome.entry.id, outcome.entry.raw, null));
    if (outcome.kind === 'silent')
      await incidents.closeIncident(outcome.event, { fingerprint: fp, gen: outcome.gen });
  }

  /** `flushId` is the flush job's id: its retries and a replayed inline flush share it. */
  async function flush(fp: string, gen: number, flushId: string): Promise<string> {
    const entry = await outbox.take(fp, gen, flushId, Date.now());
    if (!entry) return 'nothing to send';
    const { n, sent, inhibited } = await handOver(entry);
    return `${n.kind} to ${sent.join(', ') || 'no channel'}${inhibited ? ' (inhibited by a provider incident)' : ''}`;
  }

  /**
   * One sweep job for all groups, rather than a timer job per group, keeps the first notification of a
   * group one Redis job cheaper. It first queues what failed flushes and resolutions left in the
   * outbox, then resolves the open groups quiet for ALERT_RESOLVE_AFTER (health-probe groups are not
   * in that set: they wait for their recovery event). A failure is logged and left for the next sweep.
   */
  async function sweep(): Promise<string> {
    const now = Date.now();
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
        await handOver(entry);
        recovered++;
      } catch (error) {
        failure(error, entry.id);
      }
    }
    // Flushes owed a sweep ago and still not taken: their timer job was never added (its write failed
    // after the group script ran) or was lost. The flush id is the one the timer would have had.
    for (const due of await groups.overdue(now - deps.sweepEveryMs, 200)) {
      try {
        await flush(due.fp, due.gen, flushId(due.fp, due.gen, due.lastNotifiedAt));
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
          await announce(fp, outcome);
        } catch (error) {
          failure(error, fp);
        }
      }
      if (due.length < 200 || failed) break;
    }
    if (recovered) logger.info({ recovered }, 'queued notifications that failed flushes left behind');
    if (repaired) logger.warn({ repaired }, 'flushed groups whose timer was missing');
    return `${resolved} resolved, ${recovered} left-behind queued, ${repaired} missing timers repaired, ${failed} failed`;
  }

  /** Closes the group if it is still resolving since `since` (nothing fired again during the hold). */
  async function settle(fp: string, gen: number, since: number): Promise<string> {
    const outcome = await groups.resolve(fp, Date.now(), { gen, resolvingSince: since });
    await announce(fp, outcome);
    if (outcome.kind === 'resolved') return 'resolved';
    return outcome.kind === 'silent'
      ? 'resolved (its last notification said so)'
      : 'fired again, or not notified yet';
  }

  /** One event on its own to Sentry (a breaker opening), in its group's Sentry issue. */
  async function toSentry(fp: string, event: AlertEvent): Promise<void> {
    const sentry = dispatcher.targets.find((t) => t.channel === 'sentry');
    if (!sentry || !goesToSentry(event, deps.routing)) return;
    await dispatcher.send(eventNotification(fp, event), sentry);
  }

  async function capSummary(target: string, hour: number): Promise<string> {
    const titles = await deps.cap.held(target, hour);
    if (!titles.length) return 'nothing held';
    const to = dispatcher.targets.find((t) => t.target === target);
    if (!to) throw new Error(`channel ${target} is not enabled in this alerter's configuration`);
    await dispatcher.send(capSummaryNotification(target, hour, titles, Date.now()), to);
    return `summary of ${titles.length}`;
  }

  return {
    async process(job: Job): Promise<string> {
      const data = job.data as {
        fingerprint: string;
        gen: number;
        channel: string;
        target?: string;
        hour: number;
      };
      if (job.name === JOB_NAMES.flush) return flush(data.fingerprint, data.gen, job.id!);
      if (job.name === JOB_NAMES.settle)
        return settle(data.fingerprint, data.gen, (job.data as { since: number }).since);
      if (job.name === JOB_NAMES.quietSweep) return sweep();
      if (job.name === JOB_NAMES.capSummary) return capSummary(data.target ?? data.channel, data.hour);
      throw new Error(`unknown alert-groups job "${job.name}"`);
    },
    /** Notifies now, in the caller's job: with no group wait, a timer hop would only add latency. */
    flush,
    settle,
    toSentry,
  };
}
export type GroupTimers = ReturnType<typeof groupTimers>;
