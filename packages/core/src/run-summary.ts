import { CATEGORIES, type Category, SEVERITIES, type Severity } from './taxonomy.ts';

/**
 * Latencies are kept as a histogram so several worker processes can add to one run summary with
 * HINCRBY: bucket i holds latencies up to LATENCY_BUCKETS[i] ms (about 10 % apart).
 */
export const LATENCY_BUCKETS: readonly number[] = (() => {
  const out: number[] = [];
  for (let b = 1; b < 600_000; b = Math.max(b + 1, Math.round(b * 1.1))) out.push(b);
  out.push(Number.POSITIVE_INFINITY);
  return out;
})();

export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKETS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BUCKETS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface RunSummary {
  run_id: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  latency_ms: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  error_classification: {
    by_category: Partial<Record<Category, number>>;
    by_severity: Partial<Record<Lowercase<Severity>, number>>;
    critical_errors: number;
    total_classified_errors: number;
  };
}

/** Field names of the run hash; one place so the writer (worker) and reader (CLI) agree. */
export const RUN_FIELDS = {
  total: 'total',
  succeeded: 'succeeded',
  failed: 'failed',
  category: (c: Category) => `cat:${c}`,
  severity: (s: Severity) => `sev:${s.toLowerCase()}`,
  latency: (bucket: number) => `lat:${bucket}`,
} as const;

function percentile(counts: Map<number, number>, n: number, p: number): number | null {
  if (n === 0) return null;
  const rank = Math.ceil(p * n);
  let seen = 0;
  for (const [bucket, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    seen += count;
    if (seen >= rank) {
      const upper = LATENCY_BUCKETS[bucket]!;
      return Number.isFinite(upper) ? upper : LATENCY_BUCKETS[bucket - 1]!;
    }
  }
  return null;
}

/** Builds the summary from the run hash as HGETALL returns it. */
export function summarizeRun(runId: string, hash: Record<string, string>): RunSummary {
  const num = (k: string) => Number(hash[k] ?? 0);
  const byCategory: Partial<Record<Category, number>> = {};
  const bySeverity: Partial<Record<Lowercase<Severity>, number>> = {};
  let total = 0;
  for (const c of CATEGORIES) {
    const n = num(RUN_FIELDS.category(c));
    if (!n) continue;
    byCategory[c] = n;
    total += n;
  }
  for (const s of SEVERITIES) {
    const n = num(RUN_FIELDS.severity(s));
    if (n) bySeverity[s.toLowerCase() as Lowercase<Severity>] = n;
  }
  const latencies = new Map<number, number>();
  let samples = 0;
  for (const [k, v] of Object.entries(hash)) {
    if (!k.startsWith('lat:')) continue;
    latencies.set(Number(k.slice(4)), Number(v));
    samples += Number(v);
  }
  const succeeded = num(RUN_FIELDS.succeeded);
  const failed = num(RUN_FIELDS.failed);
  const runTotal = num(RUN_FIELDS.total);
  return {
    run_id: runId,
    total: runTotal,
    succeeded,
    failed,
    pending: Math.max(0, runTotal - succeeded - failed),
    latency_ms: {
      p50: percentile(latencies, samples, 0.5),
      p90: percentile(latencies, samples, 0.9),
      p99: percentile(latencies, samples, 0.99),
      max: percentile(latencies, samples, 1),
    },
    error_classification: {
      by_category: byCategory,
      by_severity: bySeverity,
      critical_errors: bySeverity.critical ?? 0,
      total_classified_errors: total,
    },
  };
}
