import { describe, expect, it } from 'vitest';
import { FLUSH_RETRY, flushBackoff } from '../src/jobs.ts';

describe('a flush keeps trying until Redis lets it through', () => {
  it.each([
    [1, 500],
    [2, 1000],
    [6, 16_000],
    [7, 30_000],
    [5000, 30_000],
  ])('attempt %i waits %i ms', (attempt, ms) => {
    expect(flushBackoff(attempt)).toBe(ms);
  });

  it("for longer than a day of a Redis that refuses writes, within the group's 7-day life", () => {
    let total = 0;
    for (let a = 1; a < FLUSH_RETRY.attempts; a++) total += flushBackoff(a);
    expect(total).toBeGreaterThan(86_400_000);
    expect(total).toBeLessThan(7 * 86_400_000);
  });
});
