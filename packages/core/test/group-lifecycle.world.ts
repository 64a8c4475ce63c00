import { quotaEvent } from '@faultline/testkit';
import { type AlertEvent, type GroupTake, groupLifecycle as life } from '../src/index.ts';

/**
 * Drives the group lifecycle spec through a timeline of actions, as the alerter would call its group
 * scripts. Shared by the spec's own tests and by the alerter's test of the scripts against it
 * (services/alerter-worker/test/lifecycle-scripts.test.ts), which gives the same `Op`s to Redis.
 */

/** ALERT_GROUP_WAIT, ALERT_REPEAT_INTERVAL, ALERT_RESOLVE_HOLD for every table. */
export const CFG = { groupWaitMs: 5_000, repeatIntervalMs: 60_000, resolveHoldMs: 10_000 };

/** An event in a table; `occurred`: when it happened, when that is before it arrives (a late delivery). */
export type EventShape = Partial<AlertEvent> & { occurred?: number };

const BASE: AlertEvent = { ...quotaEvent, provider: 'acme' };

/** A model's health transition (its own group unless its category is provider-wide). */
export const probe = (model: string, over: Partial<AlertEvent> = {}): EventShape => ({
  source: 'health_probe',
  operation: 'health_check',
  category: 'server_error',
  severity: 'HIGH',
  reason: 'first_failure',
  model,
  ...over,
});
/** A model's key failing (billing): a provider-wide incident that inhibits from its first event. */
export const keyProbe = (model: string) => probe(model, { category: 'billing_quota', severity: 'CRITICAL' });
/** The provider's outage aggregate: member `@provider_outage`. */
export const outage = (): EventShape =>
  probe('', { model: null, reason: 'provider_outage', severity: 'CRITICAL' });
/** Generation traffic failing: no member, and its group may close by quiet. */
export const traffic = (over: Partial<AlertEvent> = {}): EventShape => ({
  source: 'generation',
  category: 'server_error',
  severity: 'MEDIUM',
  reason: 'server_error',
  model: 'gpt-x',
  ...over,
});
/** Traffic failing on a key: the incident's group, naming the model (`s:`). */
export const keyTraffic = (model: string) =>
  traffic({ category: 'billing_quota', severity: 'CRITICAL', reason: 'insufficient_quota', model });
export const testAlert = (): EventShape => ({
  source: 'test',
  operation: 'test_alert',
  category: 'unknown',
  severity: 'LOW',
  reason: 'test',
  model: null,
});
export const late = (event: EventShape, occurred: number): EventShape => ({ ...event, occurred });

export type Action =
  | { do: 'fire' | 'recover'; group: string; event: EventShape }
  /** `again`: the previous take's flush id (a retry); else the id the alerter would give the next flush. */
  | { do: 'take'; group: string; flush: 'next' | 'again'; gen?: number }
  | { do: 'decide'; group: string; notify: boolean; opensIncident: boolean; heldUnder?: string }
  | { do: 'resolve'; group: string; gen?: number; quietMs?: number; resolvingSince?: number };

export const fire = (event: EventShape, group = 'g'): Action => ({ do: 'fire', group, event });
export const recover = (event: EventShape, group = 'g'): Action => ({ do: 'recover', group, event });
export const take = (flush: 'next' | 'again' = 'next', group = 'g', gen?: number): Action => ({
  do: 'take',
  group,
  flush,
  gen,
});
/** Deciding the group's last take: `notify` whether it reaches people. */
export const decide = (
  o: { notify: boolean; opensIncident?: boolean; heldUnder?: string },
  group = 'g',
): Action => ({ do: 'decide', group, opensIncident: false, ...o });
/** The settle job of a hold that began at `since`. */
export const settle = (since: number, group = 'g', gen?: number): Action => ({
  do: 'resolve',
  group,
  resolvingSince: since,
  gen,
});
/** The sweep's resolve of a group quiet for `quietMs` (ALERT_RESOLVE_AFTER). */
export const sweep = (quietMs: number, group = 'g'): Action => ({ do: 'resolve', group, quietMs });

/** A concrete call, as the alerter makes it: what both the spec and the scripts are given. */
export type Op =
  | { op: 'record'; fp: string; event: AlertEvent; waitMs: number }
  | { op: 'recover'; fp: string; event: AlertEvent }
  | { op: 'take'; fp: string; gen: number; flushId: string }
  | {
      op: 'decide';
      fp: string;
      take: GroupTake;
      notify: boolean;
      opensIncident: boolean;
      heldUnder: { fingerprint: string; gen: number } | null;
    }
  | { op: 'resolve'; fp: string; gen?: number; quietMs?: number; resolvingSince?: number };

type SetScores = { alertGroupIndex?: number; alertGroupsDue?: number; openAlertGroups?: number };

export interface World {
  groups: Map<string, life.Group>;
  /** Each group's scores in the sorted sets beside its hash. */
  sets: Map<string, SetScores>;
  /** provider → `fp:gen` of the group its inhibition mark names. */
  inhibit: Map<string, string>;
  /** Each group's last flush id, and what it took when that is still to be decided. */
  taken: Map<string, { flushId: string; take: GroupTake | null }>;
  seq: number;
}

export const newWorld = (): World => ({
  groups: new Map(),
  sets: new Map(),
  inhibit: new Map(),
  taken: new Map(),
  seq: 0,
});

const live = (g: life.Group | undefined) => (g && 'state' in g ? g : null);

export function eventOf(shape: EventShape, at: number, state: 'firing' | 'resolved', id: string): AlertEvent {
  const { occurred, ...over } = shape;
  const event: AlertEvent = {
    ...BASE,
    ...over,
    id,
    state,
    occurredAt: new Date(occurred ?? at).toISOString(),
  };
  // The health worker's model recoveries say `recovered`; an aggregate's keep its kind (its member).
  return state === 'resolved' && event.model !== null ? { ...event, reason: 'recovered' } : event;
}

/** The call the alerter would make for this action now; null when there is nothing to decide. */
export function opOf(world: World, action: Action, at: number): Op | null {
  const fp = action.group;
  const g = live(world.groups.get(fp));
  const id = `ev-${world.seq++}`;
  switch (action.do) {
    case 'fire': {
      const event = eventOf(action.event, at, 'firing', id);
      return { op: 'record', fp, event, waitMs: event.source === 'test' ? 0 : CFG.groupWaitMs };
    }
    case 'recover':
      return { op: 'recover', fp, event: eventOf(action.event, at, 'resolved', id) };
    case 'take': {
      const gen = action.gen ?? g?.gen ?? 1;
      const last = world.taken.get(fp)?.flushId;
      // The alerter's flush job ids (jobIds.flush): the group's first, or the repeat after lastNotifiedAt.
      const next = g?.lastNotifiedAt ? `flush-${fp}-${gen}-${g.lastNotifiedAt}` : `flush-${fp}-${gen}`;
      return { op: 'take', fp, gen, flushId: action.flush === 'again' && last ? last : next };
    }
    case 'decide': {
      const taken = world.taken.get(fp)?.take;
      if (!taken) return null;
      const under = action.heldUnder ? live(world.groups.get(action.heldUnder)) : null;
      return {
        op: 'decide',
        fp,
        take: taken,
        notify: action.notify,
        opensIncident: action.opensIncident,
        heldUnder: action.heldUnder && under ? { fingerprint: action.heldUnder, gen: under.gen } : null,
      };
    }
    case 'resolve':
      return {
        op: 'resolve',
        fp,
        gen: action.gen ?? (action.resolvingSince !== undefined ? g?.gen : undefined),
        quietMs: action.quietMs,
        resolvingSince: action.resolvingSince,
      };
  }
}

export type SpecStep =
  | { op: 'record'; outcome: string; record: life.RecordStep }
  | { op: 'recover'; outcome: string; recover: life.RecoverStep }
  | { op: 'take'; outcome: string; take: life.TakeStep }
  | { op: 'decide'; outcome: string }
  | { op: 'resolve'; outcome: string; resolve: life.ResolveStep };

function mark(world: World, fp: string, marks: life.GroupMarks, provider: string) {
  const sets = { ...world.sets.get(fp) };
  for (const key of ['alertGroupIndex', 'alertGroupsDue', 'openAlertGroups'] as const) {
    const score = marks[key];
    if (score === null) delete sets[key];
    else if (score !== undefined) sets[key] = score;
  }
  world.sets.set(fp, sets);
  const g = live(world.groups.get(fp));
  if (marks.inhibit && g) world.inhibit.set(provider, `${fp}:${g.gen}`);
}

function put(world: World, fp: string, group: life.Group | null) {
  if (group) world.groups.set(fp, group);
  else world.groups.delete(fp);
}

/** Runs one call through the spec, updating the world as the scripts update Redis. */
export function runSpec(world: World, op: Op, now: number): SpecStep {
  const group = world.groups.get(op.fp) ?? null;
  switch (op.op) {
    case 'record': {
      const step = life.record(group, { event: op.event, waitMs: op.waitMs }, now, CFG);
      put(world, op.fp, step.group);
      mark(world, op.fp, step.marks, op.event.provider);
      return { op: 'record', outcome: step.outcome, record: step };
    }
    case 'recover': {
      const step = life.recover(group, op.event, now);
      put(world, op.fp, step.group);
      return { op: 'recover', outcome: step.outcome, recover: step };
    }
    case 'take': {
      const step = life.take(group, { fingerprint: op.fp, gen: op.gen, flushId: op.flushId }, now, CFG);
      put(world, op.fp, step.group);
      const g = live(step.group ?? undefined);
      if (g) mark(world, op.fp, step.marks, g.event.provider);
      // Whatever it took, the group's previous take is out of the outbox by now (its flush handed it over).
      world.taken.set(op.fp, { flushId: op.flushId, take: step.take ?? null });
      return { op: 'take', outcome: step.outcome, take: step };
    }
    case 'decide': {
      const step = life.decide(group, {
        gen: op.take.gen,
        notify: op.notify,
        opensIncident: op.opensIncident,
      });
      put(world, op.fp, step.group);
      mark(world, op.fp, step.marks, op.take.event.provider);
      if (op.heldUnder) {
        const { fingerprint, gen } = op.heldUnder;
        put(world, fingerprint, life.holdUnder(world.groups.get(fingerprint) ?? null, gen));
      }
      // A take is decided once: a second decide of it would only read back the first.
      world.taken.set(op.fp, { flushId: world.taken.get(op.fp)!.flushId, take: null });
      return { op: 'decide', outcome: step.outcome };
    }
    case 'resolve': {
      const step = life.resolve(group, { fingerprint: op.fp, ...op }, now);
      put(world, op.fp, step.group);
      mark(world, op.fp, step.marks, live(step.group ?? undefined)?.event.provider ?? '');
      return { op: 'resolve', outcome: step.outcome, resolve: step };
    }
  }
}
