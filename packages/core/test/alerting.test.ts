import { quotaEvent, quotaNotification } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import {
  type AlertEvent,
  alertSubject,
  alertText,
  DEFAULT_ROUTING,
  fingerprintOf,
  type GroupResolution,
  type GroupTake,
  goesToSentry,
  headerSafe,
  notificationOfResolution,
  notificationOfTake,
  opensIncident,
  resolvesWhenQuiet,
  shouldNotify,
} from '../src/index.ts';

const event = quotaEvent;
const notification = quotaNotification;

describe('the alert body every channel shares', () => {
  it('is exactly this text', () => {
    expect(alertText(notification)).toBe(
      [
        'ALERT: BILLING_QUOTA',
        'Severity: CRITICAL',
        'Provider: openai',
        'Time: 2025-11-17T10:30:00Z',
        '',
        'Message: Billing or quota issue detected. Please check your openai account balance and usage limits.',
        '',
        'Original Error: InsufficientQuotaError',
        '',
        'Recommended Actions:',
        '1. Check your openai account balance',
        '2. Add funds or raise the quota',
        '',
        'Model: gpt-4o-mini',
        'Occurrences: 12 since 2025-11-17T10:30:00Z',
        'Suppressed: 11',
        'Details: You exceeded your current quota',
        'Status: 429 (insufficient_quota)',
        'Reason: insufficient_quota',
        'Source: generation',
        '',
      ].join('\n'),
    );
  });

  it('has the subject the team filters on, and no header can be injected', () => {
    expect(alertSubject(notification, '🚨 Faultline Alert')).toBe(
      '🚨 Faultline Alert: Billing Quota (openai)',
    );
    const evil = {
      ...notification,
      event: { ...event, provider: 'openai\r\nBcc: attacker@example.com', model: 'x\nX-Evil: 1' },
    };
    expect(alertSubject(evil, 'P')).not.toMatch(/[\r\n]/);
    expect(alertText(evil)).not.toMatch(/\nBcc:|\nX-Evil:/);
    expect(headerSafe('a\r\nb\tc')).toBe('a b c');
  });
});

describe('fingerprints group by category, provider, model and source', () => {
  it.each([
    ['same group', {}, true],
    ['another model of a model-level category', { category: 'rate_limit', model: 'other' }, false],
    ['another provider', { provider: 'anthropic' }, false],
    ['another source of a model-level category', { category: 'rate_limit', source: 'health_probe' }, false],
    ['billing is provider-wide: another model is the same group', { model: 'gpt-4o' }, true],
    ['billing is one incident whether probes or traffic report it', { source: 'health_probe' }, true],
  ] as const)('%s', (_name, patch, same) => {
    const base = patch && 'category' in patch ? { ...event, category: 'rate_limit' as const } : event;
    expect(fingerprintOf(base) === fingerprintOf({ ...base, ...patch } as AlertEvent)).toBe(same);
  });
  it('groups invalid requests and unknown errors of traffic per provider (a digest), not per model', () => {
    for (const category of ['unknown', 'invalid_request'] as const) {
      const e = { ...event, category, model: 'a' };
      expect(fingerprintOf(e)).toBe(fingerprintOf({ ...e, model: 'b' }));
      expect(fingerprintOf(e)).not.toBe(fingerprintOf({ ...e, provider: 'other' }));
    }
  });
  it('gives every test alert a group of its own', () => {
    const t = { ...event, source: 'test' as const };
    expect(fingerprintOf(t)).not.toBe(fingerprintOf({ ...t, id: 'other' }));
  });
});

describe('shouldNotify', () => {
  const quiet = { sustained: false, inhibited: false };
  it.each([
    ['CRITICAL always', event, quiet, true],
    ['CRITICAL inhibited under an incident', event, { ...quiet, inhibited: true }, false],
    ['rate limit not sustained', { ...event, category: 'rate_limit', severity: 'HIGH' }, quiet, false],
    [
      'rate limit sustained',
      { ...event, category: 'rate_limit', severity: 'HIGH' },
      { ...quiet, sustained: true },
      true,
    ],
    [
      'HIGH health aggregate',
      { ...event, category: 'server_error', severity: 'HIGH', source: 'health_probe' },
      quiet,
      true,
    ],
    ['MEDIUM stays in Sentry', { ...event, category: 'server_error', severity: 'MEDIUM' }, quiet, false],
    ['a model gone reaches people', { ...event, category: 'model_error', severity: 'MEDIUM' }, quiet, true],
    [
      'a job refused by an open breaker is told by the probe, not again',
      { ...event, reason: 'circuit_open' },
      quiet,
      false,
    ],
    [
      'one unknown error stays in Sentry',
      { ...event, category: 'unknown', severity: 'MEDIUM' },
      quiet,
      false,
    ],
    [
      'a burst of unknown errors reaches people',
      { ...event, category: 'unknown', severity: 'MEDIUM' },
      { ...quiet, sustained: true },
      true,
    ],
    [
      'a burst of invalid requests reaches people',
      { ...event, category: 'invalid_request', severity: 'MEDIUM' },
      { ...quiet, sustained: true },
      true,
    ],
    ['LOW stays in Sentry', { ...event, category: 'network_error', severity: 'LOW' }, quiet, false],
    [
      'test always',
      { ...event, category: 'network_error', severity: 'LOW', source: 'test' },
      { ...quiet, inhibited: true },
      true,
    ],
  ] as const)('%s', (_name, e, facts, expected) => {
    expect(shouldNotify(e as AlertEvent, facts)).toBe(expected);
  });

  const medium = { ...event, category: 'server_error', severity: 'MEDIUM' } as AlertEvent;
  const bursty = { ...event, category: 'rate_limit', severity: 'HIGH' } as AlertEvent;
  const low = { ...event, category: 'network_error', severity: 'LOW' } as AlertEvent;
  it.each([
    ['MEDIUM notifies with ALERT_NOTIFY_MIN_SEVERITY=MEDIUM', medium, 'MEDIUM', true],
    ['LOW still does not', low, 'MEDIUM', false],
    ['a rate limit still needs to be sustained', bursty, 'LOW', false],
    ['CRITICAL with the default minimum', event, 'CRITICAL', true],
  ] as const)('%s', (_name, e, min, expected) => {
    expect(shouldNotify(e, quiet, { ...DEFAULT_ROUTING, notifyMinSeverity: min })).toBe(expected);
  });
});

describe('goesToSentry', () => {
  it.each([
    ['every group by default', { ...event, severity: 'LOW' }, 'LOW', true],
    ['below SENTRY_MIN_SEVERITY not', { ...event, severity: 'MEDIUM' }, 'HIGH', false],
    ['at it', { ...event, severity: 'HIGH' }, 'HIGH', true],
    ['a test alert always', { ...event, severity: 'LOW', source: 'test' }, 'CRITICAL', true],
  ] as const)('%s', (_name, e, min, expected) => {
    expect(goesToSentry(e as AlertEvent, { ...DEFAULT_ROUTING, sentryMinSeverity: min })).toBe(expected);
  });
});

describe('single-model alerts held under a provider incident are counted under it', () => {
  it('its next notification says how many, after the suppressed count', () => {
    const text = alertText({ ...notification, heldUnderIncident: 3 });
    expect(text).toContain('Suppressed: 11\n3 single-model alerts held under this incident\nDetails:');
    expect(alertText({ ...notification, heldUnderIncident: 1 })).toContain('1 single-model alert held under');
    expect(alertText(notification)).not.toContain('held under');
  });
  it('its resolution says how many it held in all', () => {
    const resolved = { ...notification, kind: 'resolved' as const, durationMs: 60_000, heldUnderIncident: 2 };
    expect(alertText(resolved)).toMatch(
      /Resolved after 60 s: 12 events between .*\n\nModel: gpt-4o-mini\n2 single-model alerts held/,
    );
  });
});

const take: GroupTake = {
  fingerprint: 'fp',
  gen: 2,
  number: 1,
  count: 12,
  previouslyNotified: 0,
  firstSeen: Date.parse('2025-11-17T10:30:00.000Z'),
  lastSeen: Date.parse('2025-11-17T10:30:09.000Z'),
  at: Date.parse('2025-11-17T10:30:10.000Z'),
  heldUnderIncident: 0,
  flaps: 0,
  recoveries: 0,
  resolvingSince: null,
  members: [],
  event,
};
const facts = { sustained: false, inhibited: false };
/** A group's life in ids: its generation and first event, so a group reborn after its hash expired is new. */
const LIFE = take.firstSeen.toString(36);

describe('the notification a take becomes has an id derived from the group, so a retry is the same one', () => {
  it.each([
    [
      'the first',
      take,
      { id: `fp-2-${LIFE}-1`, kind: 'firing', occurrences: 12, suppressed: 11, notify: true },
    ],
    [
      'a repeat with held alerts',
      { ...take, number: 3, count: 20, previouslyNotified: 12, heldUnderIncident: 4 },
      {
        id: `fp-2-${LIFE}-3`,
        kind: 'repeat',
        occurrences: 8,
        suppressed: 7,
        totalEvents: 20,
        heldUnderIncident: 4,
      },
    ],
  ] as const)('%s', (_name, t, expected) => {
    expect(notificationOfTake(t as GroupTake, facts)).toMatchObject(expected);
    expect(notificationOfTake(t as GroupTake, facts)).toEqual(notificationOfTake(t as GroupTake, facts));
  });
  it('is a new id when the group is reborn at the same generation (its hash expired meanwhile)', () => {
    const reborn = { ...take, firstSeen: take.firstSeen + 8 * 86_400_000 };
    expect(notificationOfTake(reborn, facts).id).not.toBe(notificationOfTake(take, facts).id);
  });
  it('is kept from people when inhibited', () => {
    expect(notificationOfTake(take, { ...facts, inhibited: true }).notify).toBe(false);
  });
});

describe('what a person reads of an incident that did not stay put', () => {
  const medium = { ...event, category: 'server_error', severity: 'MEDIUM' } as AlertEvent;
  it('a flapping group reaches people once, whatever its severity, with its counts in subject and body', () => {
    const n = notificationOfTake({ ...take, event: medium, flaps: 3, recoveries: 3 }, facts);
    expect(n).toMatchObject({ notify: true, flapping: { fired: 4, resolved: 3 } });
    expect(alertSubject(n, 'P')).toBe('P: Flapping: Server Error (openai)');
    expect(alertText(n)).toContain(
      '\nFlapping: fired 4 times and resolved 3 times since 2025-11-17T10:30:00Z\n',
    );
    expect(notificationOfTake({ ...take, event: medium }, facts).notify).toBe(false);
  });
  it('a CRITICAL incident over before its first notification says so, with how long it lasted', () => {
    const resolvingSince = take.firstSeen + 7_000;
    const n = notificationOfTake({ ...take, resolvingSince, recoveries: 1 }, facts);
    expect(alertSubject(n, 'P')).toBe('P: Fired and resolved: Billing Quota (openai)');
    expect(alertText(n)).toContain('\nFired and resolved: lasted 7 s from 2025-11-17T10:30:00Z');
  });
  it('a provider-wide incident names each failing model, not aggregates', () => {
    const n = notificationOfTake({ ...take, members: ['@provider_outage', 'a', 'b'] }, facts);
    expect(alertText(n)).toContain('\nModels: a, b\n');
  });
  it('a test alert says TEST in subject and body', () => {
    const n = notificationOfTake({ ...take, event: { ...event, source: 'test' } }, facts);
    expect(alertSubject(n, 'P')).toBe('P: TEST: Billing Quota (openai)');
    expect(alertText(n)).toMatch(/^TEST ALERT: BILLING_QUOTA\n/);
  });
});

describe('a resolution reaches people only when the group did', () => {
  const resolution: GroupResolution = { ...take, toldPeople: true, heldUnderIncident: 0 };
  it.each([
    ['told people', true, event, true],
    ['held under an incident: Sentry only', false, event, false],
    ['kept before toldPeople existed: routing decides', null, event, true],
    [
      'kept before toldPeople existed, MEDIUM',
      null,
      { ...event, category: 'server_error', severity: 'MEDIUM' },
      false,
    ],
  ] as const)('%s', (_name, toldPeople, e, notify) => {
    const n = notificationOfResolution({ ...resolution, toldPeople, event: e as AlertEvent });
    expect(n).toMatchObject({ id: `fp-2-${LIFE}-resolved`, kind: 'resolved', durationMs: 10_000, notify });
  });
});

describe('which groups resolve when quiet, and which notifications open an incident', () => {
  it.each([
    ['generation', true],
    ['health_probe', false],
    ['test', true],
  ] as const)('%s groups resolve when quiet: %s', (source, expected) => {
    expect(resolvesWhenQuiet({ source })).toBe(expected);
  });
  it.each([
    ['a provider-wide alert that notifies', event, true, true],
    ['one that does not notify', event, false, false],
    ['a single-model alert', { ...event, category: 'rate_limit', reason: 'rate_limited' }, true, false],
    [
      'a provider outage from the health probe',
      { ...event, category: 'server_error', reason: 'provider_outage', source: 'health_probe' },
      true,
      true,
    ],
    ['a test alert', { ...event, source: 'test' }, true, false],
  ] as const)('%s', (_name, e, notify, expected) => {
    expect(opensIncident({ notify, event: e as AlertEvent })).toBe(expected);
  });
});
