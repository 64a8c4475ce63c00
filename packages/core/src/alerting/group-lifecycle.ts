import type { AlertEvent } from '../contracts/alert-event.ts';
import { SEVERITY_RANK } from '../taxonomy.ts';
import { groupMember, isProviderLevel, isProviderWide } from './fingerprint.ts';
import type { GroupResolution, GroupTake } from './group-notifications.ts';
import { resolvesWhenQuiet } from './resolution.ts';

/**
 * The life of an alert group, as plain functions of (group, input, now) → (group, outcome). This is
 * the spec of the alerter's group scripts (RECORD, RECOVER, RESOLVE in group-store.ts; TAKE and
 * DECIDE in notification-outbox.ts): they run it atomically in Redis so that K replicas decide what
 * one would, and services/alerter-worker/test/lifecycle-scripts.test.ts holds them to it, step by step.
 *
 * The rules people rely on:
 * - one notification per incident: events of an open group are counted, and told again only after
 *   the repeat interval, when the group escalates, or when a flap reaches people who never heard of it;
 * - a group ends when each member (a model, or an `@aggregate`) that failed in it has recovered and
 *   nothing fired again for the hold: a sibling's success never removes a member;
 * - a firing older than its member's last recovery (a late delivery) is history, not a new failure;
 * - an incident that goes up and down is one open group counting its flaps, not a mail per cycle;
 * - a group whose recovery came before its first notification goes out once, as "fired and resolved";
 * - a test alert is no incident: it closes with its one notification.
 */

/** Every field of the group's Redis hash (`keys.alertGroup(fp)`), under its own name unless said. */
export interface GroupState {
  /** Bumped each time the group opens again after it resolved: notification ids carry it. */
  gen: number;
  state: 'pending' | 'open' | 'resolved';
  /** Events counted in this generation. */
  count: number;
  /** `count` when the last notification was taken: events after it are what the next one tells. */
  notified: number;
  notifications: number;
  firstSeen: number;
  lastSeen: number;
  /** 0 until the first notification. */
  lastNotifiedAt: number;
  /** A repeat is owed (its flush is queued or due); further events do not owe another. */
  repeatPending: boolean;
  /** The group's face: its first event, or the most severe since. Hash: JSON. */
  event: AlertEvent;
  /** `groupRank` of the face. */
  rank: number;
  /** It may close after ALERT_RESOLVE_AFTER without events; false once a health event joined it. */
  quiet: boolean;
  /** It holds its provider's inhibition (a key's incident). */
  incident: boolean;
  /** Single-model alerts held under this incident: in all, and when it last notified. */
  held: number;
  heldNotified: number;
  /** One of its notifications went to people (not only Sentry). */
  toldPeople: boolean;
  /** When its last member recovered, while nothing has fired since; 0 while firing. */
  resolving: number;
  recoveries: number;
  /** Times it fired again after recovering, in this generation. */
  flaps: number;
  /** What its last notification said; '' before the first. */
  told: '' | 'firing' | 'resolved';
  /** The flush id of its last take (kept across generations; null before any). */
  lastFlush: string | null;
  /** When it last resolved (kept across generations; null before). */
  resolvedAt: number | null;
  /**
   * Hash `m:<member>`: each member failing now → the occurredAt of its latest failure. The hash
   * field `members` is their count.
   */
  members: Record<string, number>;
  /** Hash `r:<member>`: the members that failed and recovered in this generation → when. */
  recovered: Record<string, number>;
  /** Hash `t:<member>`: each member's last recovery, for the hash's whole life (all generations). */
  tombstones: Record<string, number>;
  /** Hash `s:<model>`: models traffic saw failing in a provider-level group (a key's incident, a digest). */
  seen: string[];
}

/** A hash with only tombstones: a recovery came for a group that was never opened. */
export interface OnlyTombstones {
  tombstones: Record<string, number>;
}

export type Group = GroupState | OnlyTombstones;

/** ALERT_REPEAT_INTERVAL and ALERT_RESOLVE_HOLD. */
export interface LifecycleConfig {
  repeatIntervalMs: number;
  resolveHoldMs: number;
}

/**
 * What a step does beside the hash: a sorted set's score for the group (null: removed; absent:
 * untouched), and whether it (re)writes its provider's inhibition mark (`keys.inhibit`) as `fp:gen`.
 */
export interface GroupMarks {
  alertGroupIndex?: number;
  alertGroupsDue?: number | null;
  openAlertGroups?: number | null;
  inhibit?: true;
}

/**
 * How strongly an event speaks for its group. A job refused by an open breaker only echoes the
 * failure that opened it: any event of the failure itself becomes the group's face over it.
 */
export const groupRank = (event: AlertEvent): number =>
  event.reason === 'circuit_open' ? 0 : SEVERITY_RANK[event.severity];

/** When the event happened at its source; a clock far ahead is not believed past now. */
export const occurredAtMs = (event: AlertEvent, now: number): number =>
  Math.min(Date.parse(event.occurredAt) || now, now);

/**
 * A key's incident (billing, authentication, an outage) that will reach people inhibits from its
 * first event, not its first notification: a model's own alert, flushed first, would go out beside it.
 */
export const inhibitsFromFirstEvent = (event: AlertEvent): boolean =>
  event.source !== 'test' && event.severity === 'CRITICAL' && isProviderWide(event);

const live = (group: Group | null): GroupState | null => (group && 'state' in group ? group : null);
type OpenGroup = GroupState & { state: 'pending' | 'open' };
const isOpen = (g: GroupState | null): g is OpenGroup => g?.state === 'pending' || g?.state === 'open';
const without = (o: Record<string, number>, key: string) => {
  const { [key]: _, ...rest } = o;
  return rest;
};

export interface RecordStep {
  group: Group | null;
  /** `new`: opened (or reopened as the next gen); `repeat`: owes a notification now; `stale`: ignored. */
  outcome: 'new' | 'counted' | 'repeat' | 'stale';
  gen: number;
  /** When the generation began: with `gen` it names the incident in flush job ids. */
  firstSeen: number;
  lastNotifiedAt: number;
  /** An open group people have not heard of (routing kept it to Sentry so far). */
  untold: boolean;
  /** For a replayed event: the flush its group still owes. */
  owed: 'first' | 'repeat' | null;
  marks: GroupMarks;
}

/** A firing event. `waitMs`: when a new group's first notification is due (0 for a test alert). */
export function record(
  group: Group | null,
  input: { event: AlertEvent; waitMs: number },
  now: number,
  cfg: Pick<LifecycleConfig, 'repeatIntervalMs'>,
): RecordStep {
  const { event } = input;
  const member = groupMember(event);
  const occurred = occurredAtMs(event, now);
  const rank = groupRank(event);
  const inhibits = inhibitsFromFirstEvent(event);
  const model = event.model ?? '';
  const seesModel = isProviderLevel(event) && member === '' && model !== '';
  const g = live(group);
  const tombstones = group?.tombstones ?? {};
  // A firing older than its member's last recovery is history: it never reopens a closed group.
  let stale = member !== '' && occurred < (tombstones[member] ?? 0);
  // Traffic has no member: a firing older than the recovery (or the quiet close) that ended the last
  // generation is history too, not a new incident.
  if (member === '' && g?.state === 'resolved')
    stale = occurred < (g.resolving > 0 ? g.resolving : (g.resolvedAt ?? 0));
  if (stale && g?.state !== 'pending' && g?.state !== 'open')
    return {
      group,
      outcome: 'stale',
      gen: 0,
      firstSeen: 0,
      lastNotifiedAt: 0,
      untold: false,
      owed: null,
      marks: {},
    };

  if (!isOpen(g)) {
    // A new generation: members of an earlier one (closed by quiet) must not keep it open.
    const gen = (g?.gen ?? 0) + 1;
    const opened: GroupState = {
      gen,
      state: 'pending',
      count: 1,
      notified: 0,
      notifications: 0,
      firstSeen: now,
      lastSeen: now,
      lastNotifiedAt: 0,
      repeatPending: false,
      event,
      rank,
      quiet: resolvesWhenQuiet(event),
      incident: inhibits,
      held: 0,
      heldNotified: 0,
      toldPeople: false,
      resolving: 0,
      recoveries: 0,
      flaps: 0,
      told: '',
      lastFlush: g?.lastFlush ?? null,
      resolvedAt: g?.resolvedAt ?? null,
      members: member ? { [member]: occurred } : {},
      recovered: {},
      tombstones,
      seen: seesModel ? [model] : [],
    };
    return {
      group: opened,
      outcome: 'new',
      gen,
      firstSeen: now,
      lastNotifiedAt: 0,
      untold: false,
      owed: null,
      // The first notification's timer is part of the state: a flush job never added is found by the sweep.
      marks: {
        alertGroupIndex: now,
        alertGroupsDue: now + input.waitMs,
        ...(inhibits ? { inhibit: true } : {}),
      },
    };
  }

  const next: GroupState = { ...g, count: g.count + 1, lastSeen: now };
  const marks: GroupMarks = { alertGroupIndex: now };
  // A firing older than the recovery it races (a late delivery) is counted, but is not a new failure:
  // for a member, older than its own recovery (one that never recovered is failing whenever it failed).
  const late = stale || (member === '' && occurred < g.resolving);
  const since = g.members[member];
  // A member keeps its latest failure's time: a recovery older than it ends an earlier incident.
  if (member !== '' && !late && (since === undefined || occurred > since))
    next.members = { ...g.members, [member]: occurred };
  // A failure during the hold keeps the group open. It is a flap when it came after a recovery (not a
  // member failing since before the hold whose news arrived late).
  const reopened = g.resolving > 0 && !late;
  const flapped = reopened && !(member !== '' && tombstones[member] === undefined && occurred < g.resolving);
  if (flapped) next.flaps = g.flaps + 1;
  if (reopened) {
    next.resolving = 0;
    next.told = 'firing';
  }
  // One health event in a group is enough to make its silence meaningless.
  if (!resolvesWhenQuiet(event) && g.quiet) {
    next.quiet = false;
    marks.openAlertGroups = null;
  }
  // Traffic that reopens a group none of whose members still fails: no recovery will come for it (the
  // probes saw them recover), so it closes when the traffic is quiet for ALERT_RESOLVE_AFTER.
  if (reopened && member === '' && Object.keys(g.members).length === 0 && !next.quiet) next.quiet = true;
  if (g.state === 'open' && next.quiet) marks.openAlertGroups = now;
  // An incident inhibits for as long as it is open: each event renews the mark. A pending one set it
  // with its first event, for longer than it can stay pending.
  if (inhibits && !g.incident) {
    next.incident = true;
    marks.inhibit = true;
  } else if (g.state === 'open' && g.incident) marks.inhibit = true;
  if (seesModel && !g.seen.includes(model)) next.seen = [...g.seen, model];
  // A more severe event becomes the face, and an open group tells it at once.
  const escalated = !late && rank > g.rank;
  if (escalated) {
    next.event = event;
    next.rank = rank;
  }

  const counted: RecordStep = {
    group: next,
    outcome: 'counted',
    gen: g.gen,
    firstSeen: g.firstSeen,
    lastNotifiedAt: g.lastNotifiedAt,
    untold: g.state === 'open' && !g.toldPeople,
    owed: g.state === 'pending' ? 'first' : g.repeatPending ? 'repeat' : null,
    marks,
  };
  if (g.state !== 'open' || g.repeatPending) return counted;
  // A flap of a group people have not heard of tells them now, once: a flapping incident is one.
  const due = now - g.lastNotifiedAt >= cfg.repeatIntervalMs;
  if (!escalated && !due && !(flapped && !g.toldPeople)) return counted;
  return {
    ...counted,
    group: { ...next, repeatPending: true },
    outcome: 'repeat',
    untold: false,
    owed: null,
    marks: { ...marks, alertGroupsDue: now },
  };
}

export interface RecoverStep {
  group: Group | null;
  /**
   * `hold`: its last member recovered, it closes at `since` + the hold unless it fires again;
   * `holding`: it was resolving already; `partial`: other members still fail; `stray`: this member
   * is not failing in it (a sibling that works); `stale`: older than the member's latest failure
   * (it ended an earlier incident); `not-open`: no open group.
   */
  outcome: 'hold' | 'holding' | 'partial' | 'stray' | 'stale' | 'not-open';
  gen?: number;
  since?: number;
}

/**
 * A recovery event: its member leaves the group. A recovery with no member (another producer's)
 * speaks for the whole group.
 */
export function recover(group: Group | null, event: AlertEvent, now: number): RecoverStep {
  const member = groupMember(event);
  const at = occurredAtMs(event, now);
  // Each member's last recovery is kept, even with no group open, so that a firing delivered late,
  // older than it, changes nothing (see record).
  let tombstoned = group;
  if (member !== '' && (group?.tombstones[member] ?? 0) < at)
    tombstoned = { ...(group ?? {}), tombstones: { ...group?.tombstones, [member]: at } };
  const g = live(tombstoned);
  if (!isOpen(g)) return { group: tombstoned, outcome: 'not-open' };

  const next: GroupState = { ...g };
  if (member === '') {
    // Speaks for every member: each is listed as recovered.
    next.members = {};
    next.recovered = { ...g.recovered, ...Object.fromEntries(Object.keys(g.members).map((m) => [m, at])) };
  } else {
    const since = g.members[member];
    if (since === undefined) return { group: next, outcome: 'stray' };
    if (since > at) return { group: next, outcome: 'stale' };
    next.members = without(g.members, member);
    next.recovered = { ...g.recovered, [member]: at };
    if (Object.keys(next.members).length > 0) return { group: next, outcome: 'partial' };
  }
  if (g.resolving > 0) return { group: next, outcome: 'holding' };
  return {
    group: { ...next, resolving: at, recoveries: g.recoveries + 1 },
    outcome: 'hold',
    gen: g.gen,
    since: at,
  };
}

export interface TakeStep {
  group: Group | null;
  /**
   * `taken`: `take` is the notification's content (the group's first, or what happened since the
   * last); `nothing-new`: open with no event since; `taken-already`: this flush id took it before;
   * `other-gen` / `not-open`: the flush is for a generation that is gone.
   */
  outcome: 'taken' | 'nothing-new' | 'taken-already' | 'other-gen' | 'not-open';
  take?: GroupTake;
  marks: GroupMarks;
}

/**
 * A flush takes what happened since the last notification. (A retry whose outbox entry is still
 * there gets that entry back before any of this: the outbox's business, not the group's.)
 */
export function take(
  group: Group | null,
  input: { fingerprint: string; gen: number; flushId: string },
  now: number,
  cfg: Pick<LifecycleConfig, 'resolveHoldMs'>,
): TakeStep {
  const g = live(group);
  if (g?.gen !== input.gen) return { group, outcome: 'other-gen', marks: {} };
  if (!isOpen(g)) return { group, outcome: 'not-open', marks: {} };
  if (g.lastFlush === input.flushId) return { group, outcome: 'taken-already', marks: {} };
  if (g.state === 'open' && g.count <= g.notified)
    return { group: { ...g, repeatPending: false }, outcome: 'nothing-new', marks: { alertGroupsDue: null } };

  // Its last member recovered and nothing fired since: it goes out as "fired and resolved", and
  // closes here when the hold has passed. A test alert is no incident: it closes with its one notification.
  const closes = g.event.source === 'test' || (g.resolving > 0 && now - g.resolving >= cfg.resolveHoldMs);
  const next: GroupState = {
    ...g,
    state: closes ? 'resolved' : 'open',
    repeatPending: false,
    notifications: g.notifications + 1,
    notified: g.count,
    lastNotifiedAt: now,
    lastFlush: input.flushId,
    heldNotified: g.held,
    told: g.resolving > 0 ? 'resolved' : 'firing',
    resolvedAt: closes ? now : g.resolvedAt,
  };
  const marks: GroupMarks = { alertGroupsDue: null };
  if (closes) marks.openAlertGroups = null;
  else if (g.quiet) marks.openAlertGroups = g.lastSeen;
  return {
    group: next,
    outcome: 'taken',
    take: {
      fingerprint: input.fingerprint,
      gen: g.gen,
      number: next.notifications,
      count: g.count,
      previouslyNotified: g.notified,
      firstSeen: g.firstSeen,
      lastSeen: g.lastSeen,
      at: now,
      heldUnderIncident: g.held - g.heldNotified,
      flaps: g.flaps,
      recoveries: g.recoveries,
      resolvingSince: g.resolving > 0 ? g.resolving : null,
      members: [...new Set([...Object.keys(g.members), ...g.seen])].sort(),
      closed: closes,
      event: g.event,
    },
    marks,
  };
}

/**
 * What deciding a take's notification does to its group, once (a retry keeps the first decision):
 * if it reached people they have heard of the group, and a provider-wide one that reached them starts
 * inhibiting its provider's single-model alerts. Only the generation still open is touched.
 */
export function decide(
  group: Group | null,
  input: { gen: number; notify: boolean; opensIncident: boolean },
): { group: Group | null; outcome: 'applied' | 'not-current'; marks: GroupMarks } {
  const g = live(group);
  if (g?.gen !== input.gen || g.state !== 'open') return { group, outcome: 'not-current', marks: {} };
  return {
    group: {
      ...g,
      toldPeople: g.toldPeople || input.notify,
      incident: g.incident || input.opensIncident,
    },
    outcome: 'applied',
    marks: input.opensIncident ? { inhibit: true } : {},
  };
}

/** A single-model alert kept from people by this incident (generation `gen`) is counted under it. */
export function holdUnder(group: Group | null, gen: number): Group | null {
  const g = live(group);
  return g?.gen === gen && g.state === 'open' ? { ...g, held: g.held + 1 } : group;
}

export interface ResolveStep {
  group: Group | null;
  /**
   * `resolved`: closed, its `resolution` goes out; `silent`: closed with nothing to announce (never
   * notified, or its last notification said it was over); `later`: not quiet long enough;
   * `fired-again`: no longer resolving since that time; `still-pending`: its flush decides instead;
   * `not-quiet`: only a recovery closes it; `other-gen` / `not-open`: nothing to close.
   */
  outcome:
    | 'resolved'
    | 'silent'
    | 'later'
    | 'fired-again'
    | 'still-pending'
    | 'not-quiet'
    | 'other-gen'
    | 'not-open';
  resolution?: GroupResolution & { id: string };
  marks: GroupMarks;
}

/**
 * Closes a group: quiet for `quietMs` (the sweep), settled (still resolving since `resolvingSince`,
 * so its recovery held), or at once (neither). People hear of the end only of what they were told
 * was firing: a "fired and resolved" is not announced twice.
 */
export function resolve(
  group: Group | null,
  input: { fingerprint: string; gen?: number; quietMs?: number; resolvingSince?: number },
  now: number,
): ResolveStep {
  const g = live(group);
  if (!isOpen(g)) return { group, outcome: 'not-open', marks: { openAlertGroups: null } };
  if (input.gen !== undefined && g.gen !== input.gen) return { group, outcome: 'other-gen', marks: {} };
  if (input.resolvingSince !== undefined) {
    if (g.resolving !== input.resolvingSince) return { group, outcome: 'fired-again', marks: {} };
    if (g.state === 'pending') return { group, outcome: 'still-pending', marks: {} };
  }
  if (input.quietMs !== undefined) {
    // The health worker publishes transitions only: its silence means "no change", not "over".
    if (!g.quiet) return { group, outcome: 'not-quiet', marks: { openAlertGroups: null } };
    if (now - g.lastSeen < input.quietMs) return { group, outcome: 'later', marks: {} };
  }
  const closed: GroupState = { ...g, state: 'resolved', resolvedAt: now };
  const marks: GroupMarks = { openAlertGroups: null, alertGroupsDue: null };
  if (g.state === 'pending' || g.told === 'resolved') return { group: closed, outcome: 'silent', marks };
  return {
    group: closed,
    outcome: 'resolved',
    resolution: {
      id: `resolved-${input.fingerprint}-${g.gen}`,
      fingerprint: input.fingerprint,
      gen: g.gen,
      recovered: Object.keys(g.recovered).sort(),
      count: g.count,
      firstSeen: g.firstSeen,
      lastSeen: g.lastSeen,
      at: now,
      heldUnderIncident: g.held,
      flaps: g.flaps,
      recoveries: g.recoveries,
      toldPeople: g.toldPeople,
      event: g.event,
    },
    marks,
  };
}
