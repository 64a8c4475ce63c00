import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, latencyBucket, RUN_FIELDS, summarizeRun } from '../src/run-summary.ts';

describe('latency histogram', () => {
  it.each([0, 1, 7, 99.5, 1234, 59_999, 10_000_000])(
    'bucket of %f ms holds it and is within about 10 %%',
    (ms) => {
      const b = latencyBucket(ms);
      expect(LATENCY_BUCKETS[b]!).toBeGreaterThanOrEqual(ms);
      if (b > 0 && ms > 10 && ms < 500_000) expect(LATENCY_BUCKETS[b]! / ms).toBeLessThanOrEqual(1.11);
    },
  );
});

describe('summarizeRun', () => {
  it('builds the error_classification shape from the run hash', () => {
    const hash: Record<string, string> = {
      [RUN_FIELDS.total]: '10',
      [RUN_FIELDS.succeeded]: '4',
      [RUN_FIELDS.failed]: '3',
      [RUN_FIELDS.category('billing_quota')]: '2',
      [RUN_FIELDS.category('rate_limit')]: '5',
      [RUN_FIELDS.category('network_error')]: '1',
      [RUN_FIELDS.severity('CRITICAL')]: '2',
      [RUN_FIELDS.severity('HIGH')]: '5',
      [RUN_FIELDS.severity('LOW')]: '1',
      [RUN_FIELDS.latency(latencyBucket(10))]: '3',
      [RUN_FIELDS.latency(latencyBucket(200))]: '1',
    };
    const summary = summarizeRun('r1', hash);
    expect(summary).toMatchObject({ run_id: 'r1', total: 10, succeeded: 4, failed: 3, pending: 3 });
    expect(summary.error_classification).toEqual({
      by_category: { billing_quota: 2, rate_limit: 5, network_error: 1 },
      by_severity: { critical: 2, high: 5, low: 1 },
      critical_errors: 2,
      total_classified_errors: 8,
    });
    expect(summary.latency_ms.p50).toBe(LATENCY_BUCKETS[latencyBucket(10)]);
    expect(summary.latency_ms.max).toBe(LATENCY_BUCKETS[latencyBucket(200)]);
  });

  it('an empty run has no percentiles', () => {
    expect(summarizeRun('r2', {}).latency_ms).toEqual({ p50: null, p90: null, p99: null, max: null });
  });
});
