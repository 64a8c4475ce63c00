import {
  type BreakerConfig,
  latencyPercentile,
  type ModelSpec,
  modelKey,
  overallStatus,
  statusOf,
  successRate,
} from '@faultline/core';
import type { ModelHealthStore } from './model-health-store.ts';

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
  probed: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The health report: the overall status, counts by status, per provider and per model. */
export async function healthSummary(
  models: ModelSpec[],
  store: ModelHealthStore,
  cfg: Pick<BreakerConfig, 'slowMs'>,
) {
  const healths = await store.readMany(models.map((m) => modelKey(m.provider, m.id)));
  const rows: ModelStatusRow[] = models.map((m) => {
    const h = healths.get(modelKey(m.provider, m.id))!;
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
