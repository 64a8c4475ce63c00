import type { Redis } from 'ioredis';

/** Prometheus-style counters kept in Redis, so every process of every service adds to one set. */
export const METRICS = {
  classifiedErrors: 'classified_errors_total',
  notifications: 'notifications_total',
  notificationsSuppressed: 'notifications_suppressed_total',
  breakerTransitions: 'breaker_transitions_total',
  probeLatency: 'probe_latency_ms',
} as const;

export const PROBE_LATENCY_BUCKETS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

const field = (labels: Record<string, string | null>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${String(v ?? '').replace(/[,=]/g, '_')}`)
    .join(',');

export function metricsCounters(redis: Redis, prefix: string) {
  const key = (name: string) => `${prefix}:metrics:${name}`;
  // Counting must never slow or fail the work it counts.
  const quiet = (p: Promise<unknown>) => {
    p.catch(() => {});
  };
  return {
    incr(name: string, labels: Record<string, string | null>, by = 1): void {
      if (by) quiet(redis.hincrby(key(name), field(labels), by));
    },
    observe(name: string, labels: Record<string, string | null>, value: number): void {
      const m = redis.multi();
      for (const le of PROBE_LATENCY_BUCKETS)
        if (value <= le) m.hincrby(key(name), field({ ...labels, le: String(le) }), 1);
      m.hincrby(key(name), field({ ...labels, le: '+Inf' }), 1);
      m.hincrbyfloat(key(`${name}_sum`), field(labels), value);
      m.hincrby(key(`${name}_count`), field(labels), 1);
      quiet(m.exec());
    },
    async read(name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
      const hash = await redis.hgetall(key(name));
      return Object.entries(hash).map(([f, v]) => ({
        labels: Object.fromEntries(
          f
            .split(',')
            .filter(Boolean)
            .map((kv) => kv.split('=') as [string, string]),
        ),
        value: Number(v),
      }));
    },
  };
}
export type MetricsCounters = ReturnType<typeof metricsCounters>;
