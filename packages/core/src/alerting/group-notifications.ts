import type { AlertEvent } from '../contracts/alert-event.ts';
import { HOUR_MS } from '../duration.ts';
import type { Notification } from './notification.ts';
import { DEFAULT_ROUTING, type RoutingFacts, type RoutingPolicy, shouldNotify } from './routing.ts';

/** What one flush took from a group: the events since its previous notification. */
export interface GroupTake {
  fingerprint: string;
  gen: number;
  /** The group's notification number in this generation, 1 for its first. */
  number: number;
  count: number;
  previouslyNotified: number;
  firstSeen: number;
  lastSeen: number;
  /** When it was taken: the cap's hour, so a retried flush is counted in the same one. */
  at: number;
  /** Single-model alerts held under this group, as a provider incident, since its previous notification. */
  heldUnderIncident: number;
  /** Times it fired again after a recovery, and recoveries seen, in this generation. */
  flaps: number;
  recoveries: number;
  /** When its last recovery came, if it has not fired since: the take goes out as "fired and resolved". */
  resolvingSince: number | null;
  /** Models (or `@aggregate`s) still failing in it, sorted. */
  members: string[];
  /** This take closed the group (its recovery had held long enough, or it is a test alert). */
  closed?: boolean;
  event: AlertEvent;
}

/** A notified group as it closed. */
export interface GroupResolution {
  fingerprint: string;
  gen: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  at: number;
  heldUnderIncident: number;
  /** Whether one of its notifications went to people; null for a group from before this was kept. */
  toldPeople: boolean | null;
  flaps?: number;
  recoveries?: number;
  /** The members that failed in it and recovered. */
  recovered?: string[];
  event: AlertEvent;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One life of a group, never reused: `gen` restarts at 1 when a group's hash expires (a week after its
 * last event), so its first event's time is part of the name. Delivery job ids derive from it, and a
 * failed delivery kept from a week ago must not swallow a new alert of the same group.
 */
const groupInstance = (g: { fingerprint: string; gen: number; firstSeen: number }) =>
  `${g.fingerprint}-${g.gen}-${g.firstSeen.toString(36)}`;

/** The models a group speaks of: its members that are models, and those an aggregate's event names. */
function modelsOf(members: string[], event: AlertEvent): string[] {
  const named = event.context?.failing_models;
  const fromAggregate = typeof named === 'string' && named ? named.split(', ') : [];
  return [...new Set([...members.filter((m) => !m.startsWith('@')), ...fromAggregate])].sort();
}

export function notificationOfTake(
  t: GroupTake,
  facts: RoutingFacts,
  policy: RoutingPolicy = DEFAULT_ROUTING,
): Notification {
  const occurrences = t.count - t.previouslyNotified;
  const flaps = t.flaps ?? 0;
  const models = modelsOf(t.members ?? [], t.event);
  return {
    id: `${groupInstance(t)}-${t.number}`,
    kind: t.number === 1 ? 'firing' : 'repeat',
    fingerprint: t.fingerprint,
    event: t.event,
    occurrences,
    suppressed: occurrences - 1,
    totalEvents: t.count,
    firstSeen: iso(t.firstSeen),
    lastSeen: iso(t.lastSeen),
    ...(t.heldUnderIncident > 0 ? { heldUnderIncident: t.heldUnderIncident } : {}),
    ...(flaps > 0 ? { flapping: { fired: flaps + 1, resolved: t.recoveries ?? flaps } } : {}),
    ...(t.resolvingSince ? { firedAndResolved: { durationMs: t.resolvingSince - t.firstSeen } } : {}),
    ...(models.length ? { models } : {}),
    // An incident that keeps going up and down reaches a person once, whatever its severity.
    notify: shouldNotify(t.event, facts, policy) || (flaps > 0 && !facts.inhibited),
  };
}

/** People hear of a group's end only when they heard of the group: an inhibited alert stays in Sentry. */
export function notificationOfResolution(
  r: GroupResolution,
  policy: RoutingPolicy = DEFAULT_ROUTING,
): Notification {
  return {
    id: `${groupInstance(r)}-resolved`,
    kind: 'resolved',
    fingerprint: r.fingerprint,
    event: r.event,
    occurrences: 0,
    suppressed: 0,
    totalEvents: r.count,
    firstSeen: iso(r.firstSeen),
    lastSeen: iso(r.lastSeen),
    durationMs: r.at - r.firstSeen,
    ...(r.heldUnderIncident > 0 ? { heldUnderIncident: r.heldUnderIncident } : {}),
    ...(r.flaps ? { flapping: { fired: r.flaps + 1, resolved: r.recoveries ?? r.flaps } } : {}),
    ...(modelsOf(r.recovered ?? [], r.event).length ? { models: modelsOf(r.recovered ?? [], r.event) } : {}),
    notify: r.toldPeople ?? shouldNotify(r.event, { sustained: true, inhibited: false }, policy),
  };
}

/** One event on its own (a breaker opening for Sentry), filed under its group's fingerprint. */
export function eventNotification(fingerprint: string, event: AlertEvent): Notification {
  return {
    id: `event-${event.id}`,
    kind: 'firing',
    fingerprint,
    event,
    occurrences: 1,
    suppressed: 0,
    totalEvents: 1,
    firstSeen: event.occurredAt,
    lastSeen: event.occurredAt,
    notify: false,
  };
}

/** The one message a channel's hourly cap sends for everything it held back that hour. */
export function capSummaryNotification(
  target: string,
  hour: number,
  titles: string[],
  now: number,
): Notification {
  const id = `cap-summary-${target}-${hour}`;
  return {
    id,
    kind: 'summary',
    fingerprint: `cap-${target}`,
    event: {
      id,
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
    firstSeen: iso(hour * HOUR_MS),
    lastSeen: iso(now),
    heldBack: { count: titles.length, titles: [...new Set(titles)].slice(0, 50) },
    notify: true,
  };
}
