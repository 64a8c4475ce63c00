import type { ModelHealth } from './model-health.ts';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Share of successes over the window; a model never probed counts as healthy until it is. */
export function successRate(h: ModelHealth): number {
  if (!h.window.length) return 1;
  return h.window.reduce((n, w) => n + w.ok, 0) / h.window.length;
}

export function latencyPercentile(h: ModelHealth, p: number): number | null {
  const ok = h.window
    .filter((w) => w.ok)
    .map((w) => w.ms)
    .sort((a, b) => a - b);
  return ok.length ? ok[Math.min(ok.length - 1, Math.floor(p * ok.length))]! : null;
}

/** `slowMs`: a median latency above it is degraded (BreakerConfig.slowMs, SLOW_PROBE). */
export function statusOf(h: ModelHealth, cfg: { slowMs: number }): HealthStatus {
  if (h.breaker === 'open') return 'unhealthy';
  if (h.breaker === 'half_open' || h.consecutiveFailures > 0 || successRate(h) < 1) return 'degraded';
  const p50 = latencyPercentile(h, 0.5);
  return p50 !== null && p50 > cfg.slowMs ? 'degraded' : 'healthy';
}
