import { type BreakerConfig, type ModelSpec, modelKey } from '@faultline/core';
import type { ProviderRegistry } from '@faultline/providers';
import {
  type AlertPublisher,
  type Logger,
  METRICS,
  type MetricsCounters,
  type ModelHealthStore,
} from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { AggregateStore } from './aggregate-store.ts';
import { healthOutbox } from './health-outbox.ts';
import { runProbe } from './probe.ts';
import { probeStep } from './probe-step.ts';
import { providerAggregates } from './provider-aggregates.ts';

export interface ProbeDeps {
  models: Map<string, ModelSpec>;
  providers: ProviderRegistry;
  store: ModelHealthStore;
  flags: AggregateStore;
  alerts: AlertPublisher;
  counters: MetricsCounters;
  breaker: BreakerConfig;
  logger: Logger;
  probeTimeoutMs: number;
  stormWindowMs: number;
  breakerStormWindowMs: number;
  modelsFailingThreshold: number;
  breakersOpenThreshold: number;
}

/**
 * One scheduled probe: call the model, walk its breaker (pure `nextBreaker`, applied atomically),
 * and publish only on transitions and aggregates, never on every failed probe. A probe's outcome is
 * its own model's evidence alone: a billing or key failure of one model never marks another failing
 * (the alerter groups a key's failures into one incident and resolves it model by model).
 */
export function probeProcessor(deps: ProbeDeps) {
  const outbox = healthOutbox(deps.store, deps.alerts, deps.logger);
  const aggregates = providerAggregates({ ...deps, outbox });

  return async function probe(job: Job): Promise<string> {
    await outbox.drain(Date.now());
    const { provider, model } = job.data as { provider: string; model: string };
    const m = deps.models.get(modelKey(provider, model));
    // A scheduler whose model just left the file may fire once more.
    if (!m) return 'not watched';
    const { outcome, classified } = await runProbe(deps.providers, m, deps.probeTimeoutMs);
    deps.counters.observe(
      METRICS.probeLatency,
      { provider: m.provider, gateway: m.gateway ?? 'none' },
      outcome.latencyMs,
    );
    const { step, events } = await probeStep(deps.store, deps.breaker, m, outcome, classified);
    for (const transition of step.transitions) {
      deps.counters.incr(METRICS.breakerTransitions, { transition, provider: m.provider });
      // Each transition is a line in the worker's log too: what happened is visible without the alerts.
      deps.logger[transition === 'recovered' ? 'info' : 'warn'](
        {
          provider: m.provider,
          model: m.id,
          transition,
          breaker: step.state.breaker,
          category: classified?.category,
          reason: classified?.reason,
          statusCode: classified?.statusCode,
        },
        `${m.provider}/${m.id}: ${transition.replace('_', ' ')}${classified ? ` (${classified.category}${classified.reason ? ` ${classified.reason}` : ''})` : ''}`,
      );
    }
    await outbox.publish(events);
    await aggregates.afterProbe(m, step, outcome, classified);
    return `${outcome.ok ? 'ok' : classified?.category} ${step.state.breaker}${step.transitions.length ? ` (${step.transitions.join(', ')})` : ''}`;
  };
}
