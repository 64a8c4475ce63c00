import {
  type AlertEvent,
  type Category,
  type ClassifiedError,
  type Severity,
  TAXONOMY,
} from '@faultline/core';

export type AggregateKind = 'provider_outage' | 'models_failing' | 'breakers_opening';

/**
 * Every field of an aggregate that the alert fingerprint can use. It is stored while the aggregate
 * fires and its recovery repeats it, so the recovery lands in the firing event's group whatever
 * ALERT_GROUP_BY says (category, provider, model, source, gateway, reason).
 */
export interface AggregateGroup {
  kind: AggregateKind;
  provider: string;
  gateway: string | null;
  category: Category;
  reason: string;
}

export function aggregateGroup(
  kind: AggregateKind,
  provider: string,
  gateway: string | null,
  classified: ClassifiedError | null,
): AggregateGroup {
  return { kind, provider, gateway, category: classified?.category ?? 'unknown', reason: kind };
}

/** An aggregate over many models, or its recovery: a provider outage, a storm. */
export function aggregateEvent(args: {
  group: AggregateGroup;
  state: 'firing' | 'resolved';
  classified: ClassifiedError | null;
  /** Models concerned: the provider's for an outage or key failure, the storm's for a storm. */
  count: number;
  at: number;
  context: NonNullable<AlertEvent['context']>;
}): AlertEvent {
  const { group, classified } = args;
  const { kind, provider, category } = group;
  const resolved = args.state === 'resolved';
  const severity: Severity = kind === 'provider_outage' ? 'CRITICAL' : 'HIGH';
  const what = {
    provider_outage: `every watched model of ${provider} is failing (${args.count} models)`,
    models_failing: `${args.count} distinct models (${provider}) started failing within the window`,
    breakers_opening: `${args.count} circuit breakers (${provider}) opened within the window`,
  }[kind];
  return {
    id: `health-${kind}-${provider}-${resolved ? 'resolved-' : ''}${args.at}`.replace(/[^\w.-]/g, '_'),
    occurredAt: new Date(args.at).toISOString(),
    source: 'health_probe',
    operation: 'availability_check',
    state: args.state,
    category,
    severity,
    isRetryable: classified?.isRetryable ?? TAXONOMY[category].retryable,
    provider,
    model: null,
    gateway: group.gateway,
    statusCode: classified?.statusCode ?? null,
    providerCode: classified?.providerCode ?? null,
    reason: group.reason,
    retryAfterMs: null,
    requestId: null,
    originalError: classified?.originalError ?? 'none',
    message: resolved
      ? `${provider} recovered: ${kind.replace('_', ' ')} is over`
      : `${what}: ${classified?.message ?? ''}`,
    recommendedActions: TAXONOMY[category].actions(provider),
    context: { ...args.context, models_concerned: args.count },
  };
}
