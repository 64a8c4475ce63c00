import { describe, expect, it } from 'vitest';
import { cappedRetryAfter, retryDelayFor } from '../src/retry-delay.ts';

const cfg = (random: number) => ({ baseMs: 1000, maxMs: 60_000, random: () => random });

describe('retryDelayFor', () => {
  it.each([
    // attempt, retryAfter, random, expected
    [1, null, 0, 500],
    [1, null, 1, 1000],
    [2, null, 0, 1000],
    [3, null, 1, 4000],
    [10, null, 1, 60_000],
    [10, null, 0, 30_000],
  ])(
    'attempt %i with no retry-after: exponential with jitter between half and full (random %f)',
    (attempt, retryAfter, random, expected) => {
      expect(retryDelayFor(attempt, retryAfter, cfg(random))).toBe(expected);
    },
  );

  it.each([
    [1, 20_000, 0, 20_000],
    [1, 20_000, 1, 21_000],
    [5, 100, 1, 110],
  ])(
    'attempt %i honours retry-after %i ms and never goes sooner',
    (attempt, retryAfter, random, expected) => {
      expect(retryDelayFor(attempt, retryAfter, cfg(random))).toBe(expected);
    },
  );

  it('spreads a crowd of retries', () => {
    const delays = new Set(
      Array.from({ length: 50 }, () => retryDelayFor(3, null, { baseMs: 1000, maxMs: 60_000 })),
    );
    expect(delays.size).toBeGreaterThan(10);
  });

  it.each([
    // retry-after, RETRY_AFTER_MAX, random, expected
    ['a day (a daily limit)', 86_400_000, 600_000, 0, 600_000],
    ['a day, with jitter', 86_400_000, 600_000, 1, 601_000],
    ['under the cap', 20_000, 600_000, 0, 20_000],
  ])('a retry-after of %s is cut to RETRY_AFTER_MAX', (_name, retryAfter, cap, random, expected) => {
    expect(retryDelayFor(1, retryAfter, { ...cfg(random), retryAfterMaxMs: cap })).toBe(expected);
  });
});

describe('cappedRetryAfter', () => {
  it.each([
    [null, null],
    [1000, 1000],
    [600_000, 600_000],
    [86_400_000, 600_000],
  ])('%s ms is waited as %s ms under a 10 min cap', (hint, waited) => {
    expect(cappedRetryAfter(hint, 600_000)).toBe(waited);
  });
});
