import {
  type AlertEvent,
  type BreakerConfig,
  type Category,
  type ClassifiedError,
  documentedScope,
  type FailureScope,
  type HealthTransition,
  type ModelHealth,
  type ModelSpec,
  PROVIDER_WIDE,
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
  const recovered = transition === 'recovered';
  const severity = transitionSeverity(category, transition, model.priority);
  const scope = PROVIDER_WIDE.has(category)
    ? documentedScope(model.provider, model.gateway, [
        classified?.providerCode,
        classified?.reason,
        classified?.statusCode,
      ])
    : null;
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
      : `${model.provider}/${model.id}: ${transition.replace('_', ' ')}: ${classified?.message ?? health.lastError?.message ?? ''}${scopeNote(scope, model.provider)}`,
    recommendedActions: TAXONOMY[category].actions(model.provider),
    context: {
      ...healthContext(model, health, args.cfg, args.latencyMs),
      ...(downFor !== null ? { down_for_ms: downFor } : {}),
      ...(scope ? { failure_scope: scope } : {}),
    },
  };
}

/**
 * Severity by what a person must do: a key out of credit or rejected is CRITICAL from its first
 * failure; a model gone (not found, retired, no access) is HIGH; a critical-priority model going down
 * pages (CRITICAL); one normal model's errors do not (MEDIUM).
 */
function transitionSeverity(
  category: Category,
  transition: HealthTransition,
  priority: ModelSpec['priority'],
): Severity {
  if (PROVIDER_WIDE.has(category)) return TAXONOMY[category].severity;
  const down =
    transition === 'model_unavailable' || transition === 'breaker_opened' || transition === 'trial_failed';
  if (down && priority === 'critical') return 'CRITICAL';
  return category === 'model_error' ? 'HIGH' : 'MEDIUM';
}

/** What the documentation says of the key's other models (packages/core/src/alerting/key-scope.ts). */
function scopeNote(scope: FailureScope | null, provider: string): string {
  if (scope === 'key') return ` (key-wide at ${provider}: expect every model of this key to fail)`;
  if (scope === 'model') return ` (this model's own limit at ${provider}: other models are not affected)`;
  return '';
}
