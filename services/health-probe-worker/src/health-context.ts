import {
  type BreakerConfig,
  type ModelHealth,
  type ModelSpec,
  overallStatus,
  providerHealth,
  statusOf,
  successRate,
} from '@faultline/core';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const rate = (r: number) => Math.round(r * 1000) / 1000;

/** The model-health fields every health event carries. */
export function healthContext(
  m: Pick<ModelSpec, 'id'>,
  h: ModelHealth,
  cfg: Pick<BreakerConfig, 'slowMs'>,
  latencyMs: number | null,
) {
  return {
    model_id: m.id,
    status: statusOf(h, cfg),
    status_code: h.lastError?.statusCode ?? null,
    response_time_ms: latencyMs === null ? null : Math.round(latencyMs),
    error_count: h.errorCount,
    success_rate: rate(successRate(h)),
    circuit_breaker_state: h.breaker,
    error_message: h.lastError?.message ?? null,
    last_failure: iso(h.lastFailure),
  };
}

/**
 * The same fields for an event that speaks for a whole provider. The model whose probe raised it
 * stands in for the per-call fields (model_id, status code, latency, breaker, message); status,
 * error count, success rate and last failure are over every watched model of the provider.
 */
export function providerContext(args: {
  model: ModelSpec;
  health: ModelHealth;
  latencyMs: number | null;
  peers: { spec: ModelSpec; health: ModelHealth }[];
  cfg: Pick<BreakerConfig, 'slowMs'>;
}) {
  const all = providerHealth(args.peers.map((p) => p.health));
  return {
    ...healthContext(args.model, args.health, args.cfg, args.latencyMs),
    status: overallStatus(
      args.peers.map((p) => ({ status: statusOf(p.health, args.cfg), priority: p.spec.priority })),
    ),
    error_count: all.errorCount,
    success_rate: rate(all.successRate),
    last_failure: iso(all.lastFailure),
    models_total: all.modelsTotal,
    models_failing: all.modelsFailing,
    // Which ones, for the person reading an outage: `Models: a, b` in the alert.
    failing_models: args.peers
      .filter((p) => p.health.consecutiveFailures > 0 || p.health.breaker === 'open')
      .map((p) => p.spec.id)
      .sort()
      .join(', '),
    breakers_open: all.breakersOpen,
  };
}
