import type { ModelHealthStore } from '@faultline/client';
import {
  type BreakerConfig,
  latencyPercentile,
  type ModelSpec,
  modelKey,
  overallStatus,
  statusOf,
  successRate,
} from '@faultline/core';

/** A models-file entry's default interval: what a model whose interval nothing says is expected at. */
export const DEFAULT_PROBE_INTERVAL_MS = 60_000;

/** Whether the health probes still run for a model: `stale` after two intervals without one. */
export type ProbeState = 'fresh' | 'stale' | 'not_probed';

export interface ProbeFreshness {
  state: ProbeState;
  /** When a health probe last finished for it (traffic does not count). */
  last_at: string | null;
  age_ms: number | null;
  interval_ms: number;
  /** Where the interval came from: the model's entry, the probe worker's scheduler, or the 60 s default. */
  interval_from: 'models_file' | 'scheduler' | 'default';
  /** Older than this is stale: two intervals, or one plus the probe timeout when that is longer. */
  stale_after_ms: number;
}

/**
 * How old a probe may be: two intervals. A probe's time is taken when it finishes, up to the probe
 * timeout after it started, so a model probed more often than its timeout gets an interval plus it.
 */
export const staleAfterMs = (intervalMs: number, probeTimeoutMs = 0) =>
  Math.max(2 * intervalMs, intervalMs + probeTimeoutMs);

export function probeFreshness(
  lastProbeAt: number | null,
  interval: { ms: number; from: ProbeFreshness['interval_from'] },
  now: number,
  probeTimeoutMs = 0,
): ProbeFreshness {
  const staleAfter = staleAfterMs(interval.ms, probeTimeoutMs);
  // A probe stamped by a host whose clock runs ahead is not "in the future": it is fresh.
  const age = lastProbeAt === null ? null : Math.max(0, now - lastProbeAt);
  return {
    state: age === null ? 'not_probed' : age > staleAfter ? 'stale' : 'fresh',
    last_at: iso(lastProbeAt),
    age_ms: age,
    interval_ms: interval.ms,
    interval_from: interval.from,
    stale_after_ms: staleAfter,
  };
}

export interface ModelStatusRow {
  model_id: string;
  provider: string;
  gateway: string | null;
  priority: string;
  status: 'healthy' | 'degraded' | 'unhealthy';
  circuit_breaker_state: string;
  success_rate: number;
  response_time_ms: { p50: number | null; p99: number | null };
  error_count: number;
  last_failure: string | null;
  /** The last failure's classification: category, reason, status code and (redacted) message. */
  last_error: {
    category: string;
    reason: string | null;
    status_code: number | null;
    message: string | null;
  } | null;
  last_success: string | null;
  /** Any outcome in the window, probe or traffic. */
  probed: boolean;
  /** Whether the health probes still run for it; see `probe.state`. */
  probe: ProbeFreshness;
}

export interface HealthSummaryOptions {
  /** The time to measure probe ages against (default: now). */
  now?: number;
  /** PROBE_TIMEOUT: a probe's time is taken when it finishes (see `staleAfterMs`). */
  probeTimeoutMs?: number;
  /**
   * Intervals of models whose spec has none (found in Redis, `interval: 0`), by model key: the
   * health-probe worker's schedulers. Missing here too: DEFAULT_PROBE_INTERVAL_MS.
   */
  intervals?: ReadonlyMap<string, number>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The health report: the overall status, counts by status, per provider and per model. */
export async function healthSummary(
  models: ModelSpec[],
  store: ModelHealthStore,
  cfg: Pick<BreakerConfig, 'slowMs'>,
  opts: HealthSummaryOptions = {},
) {
  const now = opts.now ?? Date.now();
  const healths = await store.readMany(models.map((m) => modelKey(m.provider, m.id)));
  const rows: ModelStatusRow[] = models.map((m) => {
    const key = modelKey(m.provider, m.id);
    const h = healths.get(key)!;
    const scheduled = opts.intervals?.get(key);
    const interval =
      m.interval > 0
        ? { ms: m.interval, from: 'models_file' as const }
        : scheduled
          ? { ms: scheduled, from: 'scheduler' as const }
          : { ms: DEFAULT_PROBE_INTERVAL_MS, from: 'default' as const };
    return {
      model_id: m.id,
      provider: m.provider,
      gateway: m.gateway,
      priority: m.priority,
      status: statusOf(h, cfg),
      circuit_breaker_state: h.breaker,
      success_rate: Math.round(successRate(h) * 1000) / 1000,
      response_time_ms: { p50: latencyPercentile(h, 0.5), p99: latencyPercentile(h, 0.99) },
      error_count: h.errorCount,
      last_failure: iso(h.lastFailure),
      last_error: h.lastError && {
        category: h.lastError.category,
        reason: h.lastError.reason,
        status_code: h.lastError.statusCode,
        message: h.lastError.message,
      },
      last_success: iso(h.lastSuccess),
      probed: h.window.length > 0,
      probe: probeFreshness(h.lastProbeAt ?? null, interval, now, opts.probeTimeoutMs),
    };
  });
  const count = (list: ModelStatusRow[]) => ({
    total: list.length,
    healthy: list.filter((r) => r.status === 'healthy').length,
    degraded: list.filter((r) => r.status === 'degraded').length,
    unhealthy: list.filter((r) => r.status === 'unhealthy').length,
  });
  const totals = count(rows);
  const providers: Record<string, ReturnType<typeof count>> = {};
  for (const p of new Set(rows.map((r) => r.provider)))
    providers[p] = count(rows.filter((r) => r.provider === p));
  return {
    // Not "any model down": see `overallStatus` (a few slow or failing models of many read healthy).
    status: overallStatus(rows),
    models: totals,
    providers,
    details: rows,
  };
}
export type HealthSummary = Awaited<ReturnType<typeof healthSummary>>;
