import { describe, expect, it } from 'vitest';
import { retryDelayFor } from '../src/retry-delay.ts';

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
});
