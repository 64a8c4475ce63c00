import { describe, expect, it } from 'vitest';
import {
  type AlertEvent,
  alertSubject,
  alertText,
  fingerprintOf,
  headerSafe,
  type Notification,
  shouldNotify,
} from '../src/index.ts';

const event: AlertEvent = {
  id: 'gen-1-1',
  occurredAt: '2025-11-17T10:30:00.000Z',
  source: 'generation',
  operation: 'chat.completion',
  state: 'firing',
  category: 'billing_quota',
  severity: 'CRITICAL',
  isRetryable: false,
  provider: 'openai',
  model: 'gpt-4o-mini',
  gateway: null,
  statusCode: 429,
  providerCode: 'insufficient_quota',
  reason: 'insufficient_quota',
  retryAfterMs: null,
  requestId: null,
  originalError: 'InsufficientQuotaError',
  message: 'You exceeded your current quota',
  recommendedActions: ['Check your openai account balance', 'Add funds or raise the quota'],
};

const notification: Notification = {
  id: 'abc-1-1',
  kind: 'firing',
  fingerprint: 'abc',
  event,
  occurrences: 12,
  suppressed: 11,
  totalEvents: 12,
  firstSeen: '2025-11-17T10:30:00.000Z',
  lastSeen: '2025-11-17T10:30:09.000Z',
  notify: true,
};

describe('the alert body every channel shares', () => {
  it('is exactly this text', () => {
    expect(alertText(notification)).toBe(
      [
        'ALERT: BILLING_QUOTA',
        'Severity: CRITICAL',
        'Provider: openai',
        'Model: gpt-4o-mini',
        'Source: generation',
        'Time: 2025-11-17T10:30:00.000Z',
        '',
        'Message: Billing or quota issue detected. Please check your openai account balance and usage limits.',
        '',
        'Original Error: InsufficientQuotaError',
        'Details: You exceeded your current quota',
        'Status: 429 (insufficient_quota)',
        'Reason: insufficient_quota',
        'Occurrences: 12 since 2025-11-17T10:30:00.000Z',
        'Suppressed: 11',
        '',
        'Recommended Actions:',
        '1. Check your openai account balance',
        '2. Add funds or raise the quota',
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
    ['another source', { source: 'health_probe' }, false],
    ['billing is provider-wide: another model is the same group', { model: 'gpt-4o' }, true],
  ] as const)('%s', (_name, patch, same) => {
    const base = patch && 'category' in patch ? { ...event, category: 'rate_limit' as const } : event;
    expect(fingerprintOf(base) === fingerprintOf({ ...base, ...patch } as AlertEvent)).toBe(same);
  });
  it('gives every test alert a group of its own', () => {
    const t = { ...event, source: 'test' as const };
    expect(fingerprintOf(t)).not.toBe(fingerprintOf({ ...t, id: 'other' }));
  });
});

describe('shouldNotify', () => {
  const quiet = { rateLimitSustained: false, inhibited: false };
  it.each([
    ['CRITICAL always', event, quiet, true],
    ['CRITICAL inhibited under an incident', event, { ...quiet, inhibited: true }, false],
    ['rate limit not sustained', { ...event, category: 'rate_limit', severity: 'HIGH' }, quiet, false],
    [
      'rate limit sustained',
      { ...event, category: 'rate_limit', severity: 'HIGH' },
      { ...quiet, rateLimitSustained: true },
      true,
    ],
    [
      'HIGH health aggregate',
      { ...event, category: 'server_error', severity: 'HIGH', source: 'health_probe' },
      quiet,
      true,
    ],
    ['MEDIUM stays in Sentry', { ...event, category: 'server_error', severity: 'MEDIUM' }, quiet, false],
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
});
