import { describe, expect, it } from 'vitest';
import { ALERT_EVENT_RETRY, alertEventBackoff } from '../src/alert-publisher.ts';

describe('an alert event the alerter could not take in is retried', () => {
  it('first within half a second, then doubling to at most 30 s, jittered down by up to half', () => {
    const slowest = () => 0;
    const fastest = () => 0.999_999;
    expect([1, 2, 3, 4, 7, 8, 100].map((n) => alertEventBackoff(n, slowest))).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000, 30_000,
    ]);
    expect(alertEventBackoff(100, fastest)).toBe(15_000);
  });

  it('for long enough to outlast a failover or a restart: over 40 min and under 90 min over its attempts', () => {
    const total = (random: () => number) => {
      let ms = 0;
      for (let n = 1; n < ALERT_EVENT_RETRY.attempts; n++) ms += alertEventBackoff(n, random);
      return ms / 60_000;
    };
    expect(total(() => 0.999_999)).toBeGreaterThan(40);
    expect(total(() => 0)).toBeLessThan(91);
  });
});
