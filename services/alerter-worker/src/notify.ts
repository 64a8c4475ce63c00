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
import type { ChannelCap } from './channel-cap.ts';
import type { Dispatcher } from './dispatch.ts';
import type { GroupStore, ResolveOutcome } from './group-store.ts';
import type { Inhibition } from './inhibition.ts';
import { type NotificationOutbox, type OutboxEntry, parseOutboxEntry } from './notification-outbox.ts';
import type { Clock } from './pipeline.ts';
import type { RateLimitWindow } from './rate-limit-window.ts';

/**
 * From a group to its deliveries (stages 3 to 5 of pipeline.ts): take what happened into the outbox,
 * decide what it goes out as (routing, inhibition), queue one delivery per target, mark it done.
 */
export function notifier(deps: {
  groups: GroupStore;
  outbox: NotificationOutbox;
  window: RateLimitWindow;
  inhibition: Inhibition;
  dispatcher: Dispatcher;
  cap: ChannelCap;
  routing: RoutingPolicy;
  clock: Clock;
}) {
  const { groups, outbox, inhibition, dispatcher, clock } = deps;

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
      await inhibition.release(entry.resolution.event, entry.resolution);
      n = notificationOfResolution(entry.resolution, deps.routing);
    } else if (entry.decided) {
      n = entry.decided;
    } else {
      const { take } = entry;
      const [heldUnder, sustained] = await Promise.all([
        inhibition.mutes(take.event),
        deps.window.sustained(take.event, clock()),
      ]);
      inhibited = heldUnder !== null;
      const decided = notificationOfTake(take, { sustained, inhibited }, deps.routing);
      n = await outbox.decide({ id: entry.id, take }, decided, {
        opensIncident: opensIncident(decided),
        provider: take.event.provider,
        heldUnder,
      });
    }
    // A take that closed its group (its hold had passed) ends the group's incident mark as a resolution does.
    if (entry.kind === 'take' && entry.take.closed) await inhibition.release(entry.take.event, entry.take);
    const at = entry.kind === 'take' ? entry.take.at : entry.resolution.at;
    const sent = await dispatcher.dispatch(n, at);
    await outbox.done(entry.id);
    return { n, sent, inhibited };
  }

  async function announce(fp: string, outcome: ResolveOutcome): Promise<void> {
    if (outcome.kind === 'resolved')
      await handOver(parseOutboxEntry(outcome.entry.id, outcome.entry.raw, null));
    if (outcome.kind === 'silent')
      await inhibition.release(outcome.event, { fingerprint: fp, gen: outcome.gen });
  }

  return {
    handOver,
    announce,

    /** `flushId` is the flush job's id: its retries and a replayed inline flush share it. */
    async flush(fp: string, gen: number, flushId: string): Promise<string> {
      const entry = await outbox.take(fp, gen, flushId, clock());
      if (!entry) return 'nothing to send';
      const { n, sent, inhibited } = await handOver(entry);
      return `${n.kind} to ${sent.join(', ') || 'no channel'}${inhibited ? ' (inhibited by a provider incident)' : ''}`;
    },

    /** Closes the group if it is still resolving since `since` (nothing fired again during the hold). */
    async settle(fp: string, gen: number, since: number): Promise<string> {
      const outcome = await groups.resolve(fp, clock(), { gen, resolvingSince: since });
      await announce(fp, outcome);
      if (outcome.kind === 'resolved') return 'resolved';
      return outcome.kind === 'silent'
        ? 'resolved (its last notification said so)'
        : 'fired again, or not notified yet';
    },

    /** One event on its own to Sentry (a breaker opening), in its group's Sentry issue. */
    async toSentry(fp: string, event: AlertEvent): Promise<void> {
      const sentry = dispatcher.targets.find((t) => t.channel === 'sentry');
      if (!sentry || !goesToSentry(event, deps.routing)) return;
      await dispatcher.send(eventNotification(fp, event), sentry);
    },

    async capSummary(target: string, hour: number): Promise<string> {
      const titles = await deps.cap.held(target, hour);
      if (!titles.length) return 'nothing held';
      const to = dispatcher.targets.find((t) => t.target === target);
      if (!to) throw new Error(`channel ${target} is not enabled in this alerter's configuration`);
      await dispatcher.send(capSummaryNotification(target, hour, titles, clock()), to);
      return `summary of ${titles.length}`;
    },
  };
}
export type Notifier = ReturnType<typeof notifier>;
