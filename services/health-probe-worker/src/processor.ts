import {
  type BreakerConfig,
  type ClassifiedError,
  isProviderOutage,
  type ModelSpec,
  modelKey,
  nextBreaker,
  type ProbeOutcome,
} from '@faultline/core';
import type { ProviderRegistry } from '@faultline/providers';
import {
  type AlertPublisher,
  type Logger,
  METRICS,
  type MetricsCounters,
  type ModelHealthStore,
  type RedisKeys,
} from '@faultline/runtime';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { aggregateEvent, transitionEvent } from './health-events.ts';
import { runProbe } from './probe.ts';

export interface ProbeDeps {
  models: Map<string, ModelSpec>;
  providers: ProviderRegistry;
  store: ModelHealthStore;
  redis: Redis;
  keys: RedisKeys;
  alerts: AlertPublisher;
  counters: MetricsCounters;
  breaker: BreakerConfig;
  logger: Logger;
  probeTimeoutMs: number;
  stormWindowMs: number;
  modelsFailingThreshold: number;
  breakersOpenThreshold: number;
}

/**
 * One scheduled probe: call the model, walk its breaker (pure `nextBreaker`, applied atomically),
 * and publish only on transitions and aggregates, never on every failed probe.
 */
export function probeProcessor(deps: ProbeDeps) {
  const { store, redis, keys, alerts } = deps;
  const peersOf = (provider: string) => [...deps.models.values()].filter((m) => m.provider === provider);

  /** Sets a flag once; true only for the caller that set it, so an aggregate is published once. */
  const once = (key: string, ttlMs: number) => redis.set(key, '1', 'PX', ttlMs, 'NX').then((r) => r === 'OK');

  async function stormCount(kind: string, at: number): Promise<number> {
    const key = keys.healthStorm(kind, Math.floor(at / deps.stormWindowMs));
    const [[, n]] = (await redis
      .multi()
      .incr(key)
      .pexpire(key, deps.stormWindowMs * 2)
      .exec()) as [[null, number]];
    return n;
  }

  /** Billing and authentication are the key's fault: every model of the provider fails at once, with one event. */
  async function markProviderFailing(
    m: ModelSpec,
    outcome: ProbeOutcome,
    classified: ClassifiedError,
  ): Promise<string> {
    for (const peer of peersOf(m.provider)) {
      await store.update(modelKey(peer.provider, peer.id), (h) => ({
        state: nextBreaker(h, outcome, deps.breaker).state,
        result: null,
      }));
    }
    if (await once(keys.providerOutage(`${m.provider}:key`), 24 * 3_600_000)) {
      await alerts.publish(
        aggregateEvent({
          kind: 'provider_key',
          provider: m.provider,
          gateway: m.gateway,
          classified,
          count: peersOf(m.provider).length,
          at: outcome.at,
        }),
      );
    }
    return `${classified.category}: every model of ${m.provider} marked failing`;
  }

  async function recovered(m: ModelSpec, at: number): Promise<void> {
    for (const kind of ['provider_outage', 'provider_key'] as const) {
      const flag = keys.providerOutage(kind === 'provider_outage' ? m.provider : `${m.provider}:key`);
      if ((await redis.del(flag)) === 1) {
        await alerts.publish(
          aggregateEvent({
            kind,
            provider: m.provider,
            gateway: m.gateway,
            classified: null,
            count: 0,
            at,
            resolved: true,
          }),
        );
      }
    }
  }

  return async function probe(job: Job): Promise<string> {
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
    if (classified && (classified.category === 'billing_quota' || classified.category === 'authentication')) {
      return markProviderFailing(m, outcome, classified);
    }
    const key = modelKey(m.provider, m.id);
    const step = await store.update(key, (h) => {
      const next = nextBreaker(h, outcome, deps.breaker);
      return { state: next.state, result: { ...next, downSince: h.downSince } };
    });
    for (const transition of step.transitions) {
      deps.counters.incr(METRICS.breakerTransitions, { transition, provider: m.provider });
      await alerts.publish(
        transitionEvent({
          transition,
          model: m,
          health: step.state,
          classified,
          latencyMs: outcome.latencyMs,
          at: outcome.at,
          cfg: deps.breaker,
          downSince: step.downSince,
        }),
      );
      if (
        transition === 'first_failure' &&
        (await stormCount('models_failing', outcome.at)) === deps.modelsFailingThreshold + 1
      ) {
        await alerts.publish(
          aggregateEvent({
            kind: 'models_failing',
            provider: m.provider,
            gateway: m.gateway,
            classified,
            count: deps.modelsFailingThreshold + 1,
            at: outcome.at,
          }),
        );
      }
      if (
        transition === 'breaker_opened' &&
        (await stormCount('breakers_opening', outcome.at)) === deps.breakersOpenThreshold + 1
      ) {
        await alerts.publish(
          aggregateEvent({
            kind: 'breakers_opening',
            provider: m.provider,
            gateway: m.gateway,
            classified,
            count: deps.breakersOpenThreshold + 1,
            at: outcome.at,
          }),
        );
      }
    }
    if (outcome.ok) {
      await recovered(m, outcome.at);
    } else {
      const peers = peersOf(m.provider);
      const healths = await store.readMany(peers.map((p) => modelKey(p.provider, p.id)));
      if (
        peers.length > 1 &&
        isProviderOutage([...healths.values()]) &&
        (await once(keys.providerOutage(m.provider), 24 * 3_600_000))
      ) {
        await alerts.publish(
          aggregateEvent({
            kind: 'provider_outage',
            provider: m.provider,
            gateway: m.gateway,
            classified,
            count: peers.length,
            at: outcome.at,
          }),
        );
      }
    }
    return `${outcome.ok ? 'ok' : classified?.category} ${step.state.breaker}${step.transitions.length ? ` (${step.transitions.join(', ')})` : ''}`;
  };
}
