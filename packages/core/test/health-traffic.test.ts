import { describe, expect, it } from 'vitest';
import { INITIAL_HEALTH, type ModelHealth, type ProbeOutcome, withTraffic } from '../src/health/index.ts';

const call = (ok: boolean, at: number): ProbeOutcome => ({ ok, at, latencyMs: 10 + at / 100 });
const open: ModelHealth = { ...INITIAL_HEALTH, breaker: 'open', openedAt: 0, consecutiveFailures: 3 };

describe('real traffic feeds the same statistics as the probes', () => {
  it.each([
    [
      'successes',
      INITIAL_HEALTH,
      [true, true],
      5,
      { window: 2, errorCount: 0, lastFailure: null, lastSuccess: 200 },
    ],
    [
      'failures',
      INITIAL_HEALTH,
      [false, true, false],
      5,
      { window: 3, errorCount: 2, lastFailure: 300, lastSuccess: 200 },
    ],
    [
      'more calls than BREAKER_WINDOW',
      INITIAL_HEALTH,
      Array(8).fill(false),
      5,
      { window: 5, errorCount: 8, lastFailure: 800, lastSuccess: null },
    ],
    [
      'another BREAKER_WINDOW',
      INITIAL_HEALTH,
      Array(8).fill(true),
      3,
      { window: 3, errorCount: 0, lastFailure: null, lastSuccess: 800 },
    ],
  ] as const)('%s', (_what, prev, oks, windowSize, expected) => {
    const h = withTraffic(
      prev,
      oks.map((ok, i) => call(ok, (i + 1) * 100)),
      { windowSize },
    );
    expect({
      window: h.window.length,
      errorCount: h.errorCount,
      lastFailure: h.lastFailure,
      lastSuccess: h.lastSuccess,
    }).toEqual(expected);
  });

  it('keeps the newest calls and never moves the breaker: transitions stay with the probes', () => {
    const h = withTraffic(open, [call(true, 100), call(true, 200), call(true, 300)], { windowSize: 2 });
    expect(h.window).toEqual([
      { ok: 1, ms: 12 },
      { ok: 1, ms: 13 },
    ]);
    expect(h).toMatchObject({ breaker: 'open', consecutiveFailures: 3, openedAt: 0 });
  });

  it('a call older than the last one seen does not move last failure or success back', () => {
    const h = withTraffic(
      { ...INITIAL_HEALTH, lastFailure: 500, lastSuccess: 600 },
      [call(false, 100), call(true, 200)],
      { windowSize: 5 },
    );
    expect([h.lastFailure, h.lastSuccess]).toEqual([500, 600]);
  });

  it('a failed call leaves its classification as the last error; an older one does not overwrite it', () => {
    const failed = (at: number, reason: string): ProbeOutcome => ({
      ok: false,
      at,
      latencyMs: 5,
      category: 'billing_quota',
      reason,
      statusCode: 429,
      message: 'You exceeded your current quota',
    });
    const h = withTraffic(INITIAL_HEALTH, [failed(300, 'insufficient_quota'), failed(200, 'older')], {
      windowSize: 5,
    });
    expect(h.lastError).toEqual({
      category: 'billing_quota',
      reason: 'insufficient_quota',
      statusCode: 429,
      message: 'You exceeded your current quota',
    });
  });
});
