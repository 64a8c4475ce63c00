import {
  type AlertEvent,
  type BreakerConfig,
  type ClassifiedError,
  type HealthTransition,
  type ModelHealth,
  type ModelSpec,
  type Severity,
  TAXONOMY,
} from '@faultline/core';
import { healthContext } from './health-context.ts';

/**
 * A transition of one model as an AlertEvent. Every event of one incident carries the category of
 * its first failure (pinned by `nextBreaker`), so the recovery has the fingerprint fields of each
 * failure it ends. Only `reason` (the transition) differs: grouping alerts by reason makes each
 * transition a group of its own, which then closes by quiet instead.
 */
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
  const category = health.failureCategory ?? classified?.category ?? 'unknown';
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
    reason: transition,
    retryAfterMs: classified?.retryAfterMs ?? null,
    requestId: classified?.requestId ?? null,
    originalError: classified?.originalError ?? 'none',
    message: recovered
      ? `${model.provider}/${model.id} recovered${downFor !== null ? ` after ${Math.round(downFor / 1000)} s down` : ''}`
      : `${model.provider}/${model.id}: ${transition.replace('_', ' ')}: ${classified?.message ?? health.lastError?.message ?? ''}`,
    recommendedActions: TAXONOMY[category].actions(model.provider),
    context: {
      ...healthContext(model, health, args.cfg, args.latencyMs),
      ...(downFor !== null ? { down_for_ms: downFor } : {}),
    },
  };
}
