import {
  type AlertEvent,
  type BreakerConfig,
  type ClassifiedError,
  type HealthTransition,
  type ModelHealth,
  type ModelSpec,
  type Severity,
  statusOf,
  successRate,
  TAXONOMY,
} from '@faultline/core';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
    status_code: h.lastStatusCode,
    response_time_ms: latencyMs === null ? null : Math.round(latencyMs),
    error_count: h.errorCount,
    success_rate: Math.round(successRate(h) * 1000) / 1000,
    circuit_breaker_state: h.breaker,
    error_message: h.lastMessage,
    last_failure: iso(h.lastFailure),
  };
}

const REASON: Record<HealthTransition, string> = {
  first_failure: 'first_failure',
  model_unavailable: 'model_unavailable',
  breaker_opened: 'breaker_opened',
  recovered: 'recovered',
};

/** A transition of one model as an AlertEvent; a recovery resolves the group of the failure it ends. */
export function transitionEvent(args: {
  transition: HealthTransition;
  model: ModelSpec;
  health: ModelHealth;
  classified: ClassifiedError | null;
  latencyMs: number | null;
  at: number;
  cfg: Pick<BreakerConfig, 'slowMs'>;
  downSince: number | null;
}): AlertEvent {
  const { transition, model, health, classified, at } = args;
  const category = classified?.category ?? health.failureCategory ?? 'unknown';
  const down = transition === 'model_unavailable' || transition === 'breaker_opened';
  // Severity by reach: a critical-priority model going down pages; one normal model does not.
  const severity: Severity = down && model.priority === 'critical' ? 'CRITICAL' : 'MEDIUM';
  const recovered = transition === 'recovered';
  const downFor = recovered && args.downSince !== null ? at - args.downSince : null;
  return {
    id: `health-${model.provider}-${model.id}-${transition}-${at}`.replace(/[^\w.-]/g, '_'),
    occurredAt: new Date(at).toISOString(),
    source: 'health_probe',
    operation: 'health_check',
    state: recovered ? 'resolved' : 'firing',
    category,
    severity,
    isRetryable: classified?.isRetryable ?? TAXONOMY[category].retryable,
    provider: model.provider,
    model: model.id,
    gateway: model.gateway,
    statusCode: classified?.statusCode ?? null,
    providerCode: classified?.providerCode ?? null,
    reason: REASON[transition],
    retryAfterMs: classified?.retryAfterMs ?? null,
    requestId: classified?.requestId ?? null,
    originalError: classified?.originalError ?? 'none',
    message: recovered
      ? `${model.provider}/${model.id} recovered${downFor !== null ? ` after ${Math.round(downFor / 1000)} s down` : ''}`
      : `${model.provider}/${model.id}: ${transition.replace('_', ' ')}: ${classified?.message ?? health.lastMessage ?? ''}`,
    recommendedActions: TAXONOMY[category].actions(model.provider),
    context: {
      ...healthContext(model, health, args.cfg, args.latencyMs),
      ...(downFor !== null ? { down_for_ms: downFor } : {}),
    },
  };
}

/** An aggregate over many models: a provider outage, a storm of failures or of breakers opening. */
export function aggregateEvent(args: {
  kind: 'provider_outage' | 'models_failing' | 'breakers_opening' | 'provider_key';
  provider: string;
  gateway: string | null;
  classified: ClassifiedError | null;
  count: number;
  at: number;
  resolved?: boolean;
}): AlertEvent {
  const category = args.classified?.category ?? 'server_error';
  const severity: Severity =
    args.kind === 'provider_outage' || args.kind === 'provider_key' ? 'CRITICAL' : 'HIGH';
  const what = {
    provider_outage: `every watched model of ${args.provider} is failing (${args.count} models)`,
    models_failing: `${args.count} distinct models started failing within the window`,
    breakers_opening: `${args.count} circuit breakers opened within the window`,
    provider_key: `${category} at ${args.provider}: every model of this key is marked failing`,
  }[args.kind];
  return {
    id: `health-${args.kind}-${args.provider}-${args.resolved ? 'resolved-' : ''}${args.at}`.replace(
      /[^\w.-]/g,
      '_',
    ),
    occurredAt: new Date(args.at).toISOString(),
    source: 'health_probe',
    operation: 'availability_check',
    state: args.resolved ? 'resolved' : 'firing',
    category,
    severity,
    isRetryable: args.classified?.isRetryable ?? true,
    provider: args.provider,
    model: null,
    gateway: args.gateway,
    statusCode: args.classified?.statusCode ?? null,
    providerCode: args.classified?.providerCode ?? null,
    reason: args.kind === 'provider_key' ? (args.classified?.reason ?? 'provider_key') : args.kind,
    retryAfterMs: null,
    requestId: null,
    originalError: args.classified?.originalError ?? 'none',
    message: args.resolved
      ? `${args.provider} recovered: ${args.kind.replace('_', ' ')} is over`
      : `${what}: ${args.classified?.message ?? ''}`,
    recommendedActions: TAXONOMY[category].actions(args.provider),
    context: { error_count: args.count },
  };
}
