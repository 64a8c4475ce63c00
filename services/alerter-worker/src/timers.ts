import { type Notification, shouldNotify } from '@faultline/core';
import { JOB_NAMES, type Logger } from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { ChannelCap } from './channel-cap.ts';
import type { Dispatcher } from './dispatch.ts';
import type { GroupStore } from './group-store.ts';
import type { IncidentFacts } from './incident-facts.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The group's timers, on the `alert-groups` queue: the flush that notifies (first after the group
 * wait, later as repeats), the quiet sweep that resolves groups nobody hears from, and the hourly
 * cap summary. Each runs once, whichever replica picks it up.
 */
export function groupTimers(deps: {
  groups: GroupStore;
  incidents: IncidentFacts;
  dispatcher: Dispatcher;
  cap: ChannelCap;
  logger: Logger;
  resolveAfterMs: number;
}) {
  const { groups, incidents, dispatcher } = deps;

  async function announceResolved(
    fp: string,
    outcome: Awaited<ReturnType<GroupStore['resolve']>>,
    now: number,
  ) {
    if (outcome.kind !== 'resolved') return;
    await incidents.closeIncident(outcome.event, fp);
    if (!outcome.wasNotified) return;
    const n: Notification = {
      id: `${fp}-${outcome.gen}-resolved`,
      kind: 'resolved',
      fingerprint: fp,
      event: outcome.event,
      occurrences: 0,
      suppressed: 0,
      totalEvents: outcome.count,
      firstSeen: iso(outcome.firstSeen),
      lastSeen: iso(outcome.lastSeen),
      durationMs: now - outcome.firstSeen,
      notify: shouldNotify(outcome.event, { rateLimitSustained: true, inhibited: false }),
    };
    await dispatcher.dispatch(n, now);
  }

  async function flush(fp: string, gen: number): Promise<string> {
    const now = Date.now();
    const taken = await groups.take(fp, gen, now);
    if (!taken) return 'nothing to send';
    const occurrences = taken.count - taken.previouslyNotified;
    const facts = await incidents.facts(taken.event, now);
    const n: Notification = {
      id: `${fp}-${gen}-${taken.number}`,
      kind: taken.number === 1 ? 'firing' : 'repeat',
      fingerprint: fp,
      event: taken.event,
      occurrences,
      suppressed: occurrences - 1,
      totalEvents: taken.count,
      firstSeen: iso(taken.firstSeen),
      lastSeen: iso(taken.lastSeen),
      notify: shouldNotify(taken.event, facts),
    };
    if (n.notify) await incidents.openIncident(taken.event, fp);
    const sent = await dispatcher.dispatch(n, now);
    return `${n.kind} to ${sent.join(', ') || 'no channel'}${facts.inhibited ? ' (inhibited by a provider incident)' : ''}`;
  }

  /**
   * Resolves the open groups quiet for ALERT_RESOLVE_AFTER. One sweep job for all groups, rather than
   * a timer job per group, keeps the first notification of a group one Redis job cheaper.
   */
  async function quietSweep(): Promise<string> {
    const now = Date.now();
    let resolved = 0;
    for (;;) {
      const due = await groups.quietSince(now - deps.resolveAfterMs, 200);
      for (const fp of due) {
        const outcome = await groups.resolve(fp, now, { quietMs: deps.resolveAfterMs });
        if (outcome.kind === 'resolved') resolved++;
        await announceResolved(fp, outcome, now);
      }
      if (due.length < 200) return `${resolved} resolved`;
    }
  }

  async function capSummary(channel: Notification['event']['provider'], hour: number): Promise<string> {
    const titles = await deps.cap.held(channel, hour);
    if (!titles.length) return 'nothing held';
    const now = Date.now();
    const n: Notification = {
      id: `cap-summary-${channel}-${hour}`,
      kind: 'summary',
      fingerprint: `cap-${channel}`,
      event: {
        id: `cap-summary-${channel}-${hour}`,
        occurredAt: iso(now),
        source: 'test',
        operation: 'alert_cap',
        state: 'firing',
        category: 'unknown',
        severity: 'HIGH',
        isRetryable: false,
        provider: 'faultline',
        model: null,
        gateway: null,
        statusCode: null,
        providerCode: null,
        reason: 'cap_reached',
        retryAfterMs: null,
        requestId: null,
        originalError: 'none',
        message: `${titles.length} notifications held back`,
        recommendedActions: [
          'Look at `faultline alerts list` for every open group',
          'Raise ALERT_MAX_PER_HOUR if this is routine',
        ],
      },
      occurrences: titles.length,
      suppressed: titles.length,
      totalEvents: titles.length,
      firstSeen: iso(hour * 3_600_000),
      lastSeen: iso(now),
      heldBack: { count: titles.length, titles: [...new Set(titles)].slice(0, 50) },
      notify: true,
    };
    await dispatcher.send(n, channel as never);
    return `summary of ${titles.length}`;
  }

  return {
    async process(job: Job): Promise<string> {
      const data = job.data as { fingerprint: string; gen: number; channel: string; hour: number };
      if (job.name === JOB_NAMES.flush) return flush(data.fingerprint, data.gen);
      if (job.name === JOB_NAMES.quietSweep) return quietSweep();
      if (job.name === JOB_NAMES.capSummary) return capSummary(data.channel, data.hour);
      throw new Error(`unknown alert-groups job "${job.name}"`);
    },
    /** Notifies now, in the caller's job: with no group wait, a timer hop would only add latency. */
    flush,
    /** The source reported recovery: close the group now. */
    async resolveNow(fp: string, now: number): Promise<void> {
      await announceResolved(fp, await groups.resolve(fp, now), now);
    },
  };
}
export type GroupTimers = ReturnType<typeof groupTimers>;
