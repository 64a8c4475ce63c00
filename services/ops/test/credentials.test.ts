import { describe, expect, it } from 'vitest';
import { credentialsChecker } from '../src/credentials.ts';
import { afterFailure, FAILURE_WINDOW_MS, FailureLimit, waitBeforeTrying } from '../src/failure-limit.ts';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const TOKEN = 'a-dashboard-token-0123456789';
const METRICS = 'a-metrics-token-9876543210';

describe('credentials are compared as fixed-length digests, every candidate evaluated', () => {
  const check = credentialsChecker({
    tokens: [TOKEN, METRICS],
    basic: { username: 'ops', password: 'pass:word with colon' },
  });
  it.each([
    [undefined, 'none'],
    ['', 'none'],
    [`Bearer ${TOKEN}`, 'ok'],
    [`bearer ${METRICS}`, 'ok'],
    [`Bearer ${TOKEN}x`, 'wrong'],
    [`Bearer ${TOKEN.slice(0, -1)}`, 'wrong'],
    ['Bearer ', 'wrong'],
    [basic('ops', 'pass:word with colon'), 'ok'],
    [basic('ops', 'pass:word'), 'wrong'],
    [basic('opz', 'pass:word with colon'), 'wrong'],
    [basic('', ''), 'wrong'],
    ['Basic not-base64!!', 'wrong'],
    [`Token ${TOKEN}`, 'wrong'],
  ] as const)('%s → %s', (header, verdict) => {
    expect(check(header)).toBe(verdict);
  });

  it('refuses basic auth when only tokens are configured, and tokens when only basic is', () => {
    expect(credentialsChecker({ tokens: [TOKEN] })(basic('ops', TOKEN))).toBe('wrong');
    expect(
      credentialsChecker({ tokens: [], basic: { username: 'u', password: 'p' } })(`Bearer ${TOKEN}`),
    ).toBe('wrong');
  });
});

describe('failed sign-ins are limited per client address', () => {
  const LIMIT = 3;
  const fails = (n: number, start = 0) => {
    let w: ReturnType<typeof afterFailure> | undefined;
    for (let i = 0; i < n; i++) w = afterFailure(w, start + i);
    return w;
  };
  it.each([
    ['no failure', undefined, 10, 0],
    ['under the limit', fails(LIMIT - 1), 10, 0],
    ['at the limit: wait until the window ends', fails(LIMIT), 10, FAILURE_WINDOW_MS - 10],
    ['at the limit, later in the window', fails(LIMIT), 50_000, FAILURE_WINDOW_MS - 50_000],
    ['the window has ended', fails(LIMIT), FAILURE_WINDOW_MS, 0],
  ])('%s', (_name, window, now, wait) => {
    expect(waitBeforeTrying(window, now, LIMIT)).toBe(wait);
  });

  it('a failure after the window starts a new one', () => {
    expect(afterFailure(fails(LIMIT), FAILURE_WINDOW_MS + 5)).toEqual({
      startedAt: FAILURE_WINDOW_MS + 5,
      failures: 1,
    });
  });

  it('keeps addresses apart, and at most maxAddresses of them', () => {
    const limit = new FailureLimit(2, 100);
    limit.fail('10.0.0.1', 0);
    limit.fail('10.0.0.1', 1);
    expect(limit.waitMs('10.0.0.1', 2)).toBe(FAILURE_WINDOW_MS - 0 - 2);
    expect(limit.waitMs('10.0.0.2', 2)).toBe(0);
    for (let i = 0; i < 1000; i++) limit.fail(`flood-${i}`, 3);
    expect(limit.size).toBe(100);
    // The stalest address went first.
    expect(limit.waitMs('10.0.0.1', 4)).toBe(0);
  });
});
