import {
  type BreakerConfig,
  type BreakerStep,
  type ClassifiedError,
  isProviderOutage,
  type ModelHealth,
  type ModelSpec,
  modelKey,
  type ProbeOutcome,
} from '@faultline/core';
import type { ModelHealthStore } from '@faultline/runtime';
import { type AggregateKind, aggregateEvent, aggregateGroup } from './aggregate-events.ts';
import type { AggregateStore, RenderAggregate } from './aggregate-store.ts';
import { providerContext } from './health-context.ts';
import type { HealthOutbox } from './health-outbox.ts';

export interface AggregateDeps {
  models: Map<string, ModelSpec>;
  store: ModelHealthStore;
  flags: AggregateStore;
  outbox: HealthOutbox;
  breaker: BreakerConfig;
  stormWindowMs: number;
  breakerStormWindowMs: number;
  modelsFailingThreshold: number;
  breakersOpenThreshold: number;
}

/** What a storm's events name as their provider: storms count models across every provider. */
export const ALL_PROVIDERS = 'all providers';

/** The events that speak for many models: a provider's outage, storms across providers; and their ends. */
export function providerAggregates(deps: AggregateDeps) {
  // The models file is read once at start: each provider's models and gateway are computed once.
  const byProvider = new Map<string, { peers: ModelSpec[]; gateway: string | null }>();
  const providerOf = (provider: string) => {
    let p = byProvider.get(provider);
    if (!p) {
      const peers = [...deps.models.values()].filter(
        (m) => provider === ALL_PROVIDERS || m.provider === provider,
      );
      const gateways = new Set(peers.map((m) => m.gateway));
      // A provider-level event names the gateway only when every watched model of it goes through it.
      p = { peers, gateway: gateways.size === 1 ? [...gateways][0]! : null };
      byProvider.set(provider, p);
    }
    return p;
  };
  const peersOf = (provider: string) => providerOf(provider).peers;
  const groupOf = (kind: AggregateKind, m: ModelSpec, classified: ClassifiedError | null) =>
    aggregateGroup(kind, m.provider, providerOf(m.provider).gateway, classified);

  /** The health of a provider's peers, read at most once by one probe, and only if it needs them. */
  function peerHealths() {
    const reads = new Map<string, Promise<Map<string, ModelHealth>>>();
    return (provider: string) => {
      let read = reads.get(provider);
      if (!read) {
        read = deps.store.readMany(peersOf(provider).map((p) => modelKey(p.provider, p.id)));
        reads.set(provider, read);
      }
      return read;
    };
  }

  /** How one probe renders an aggregate's event: its context is over the aggregate's models. */
  function renderer(
    probe: {
      model: ModelSpec;
      health: ModelHealth;
      outcome: ProbeOutcome;
      classified: ClassifiedError | null;
    },
    healthsOf: ReturnType<typeof peerHealths>,
  ): RenderAggregate {
    return async (group, state, count) => {
      const peers = peersOf(group.provider);
      const healths = await healthsOf(group.provider);
      const context = providerContext({
        model: probe.model,
        health: probe.health,
        latencyMs: probe.outcome.latencyMs,
        peers: peers.map((spec) => ({ spec, health: healths.get(modelKey(spec.provider, spec.id))! })),
        cfg: deps.breaker,
      });
      return aggregateEvent({
        group,
        state,
        classified: state === 'resolved' ? null : probe.classified,
        count,
        at: probe.outcome.at,
        context,
      });
    };
  }

  // Storms count models across every provider (one provider's outage is the outage aggregate's).
  const STORMS = [
    {
      kind: 'models_failing',
      enters: ['first_failure'],
      threshold: () => deps.modelsFailingThreshold,
      windowMs: () => deps.stormWindowMs,
    },
    {
      kind: 'breakers_opening',
      enters: ['breaker_opened', 'trial_failed'],
      threshold: () => deps.breakersOpenThreshold,
      windowMs: () => deps.breakerStormWindowMs,
    },
  ] as const;

  return {
    /** After one model's own probe: storms from its transitions, the provider outage, the ends of both. */
    async afterProbe(
      m: ModelSpec,
      step: BreakerStep,
      outcome: ProbeOutcome,
      classified: ClassifiedError | null,
    ): Promise<void> {
      const healthsOf = peerHealths();
      const render = renderer({ model: m, health: step.state, outcome, classified }, healthsOf);
      for (const storm of STORMS) {
        const op = step.transitions.some((t) => (storm.enters as readonly string[]).includes(t))
          ? 'enter'
          : step.transitions.includes('recovered')
            ? 'leave'
            : null;
        if (!op) continue;
        const r = await deps.flags.storm(
          aggregateGroup(storm.kind, ALL_PROVIDERS, null, classified),
          { op, model: modelKey(m.provider, m.id) },
          outcome.at,
          { windowMs: storm.windowMs(), threshold: storm.threshold() },
          render,
        );
        if (r.event) await deps.outbox.publish([r.event]);
      }
      if (outcome.ok) {
        // Not every model of the provider fails any more: its outage, if it fires, is over. The
        // models still failing keep their own alerts open until each recovers.
        const ended = await deps.flags.close(
          'provider_outage',
          m.provider,
          groupOf('provider_outage', m, null),
          (group) => render(group, 'resolved', peersOf(m.provider).length),
        );
        if (ended) await deps.outbox.publish([ended]);
        return;
      }
      const peers = peersOf(m.provider);
      if (peers.length < 2) return;
      const group = groupOf('provider_outage', m, classified);
      const peerKeys = peers.map((p) => modelKey(p.provider, p.id));
      // Most failing probes are no outage: they need neither an event nor the script, which decides.
      if (!isProviderOutage([...(await healthsOf(m.provider)).values()])) return;
      const event = await render(group, 'firing', peers.length);
      if (await deps.flags.openOutage(group, peerKeys, event)) await deps.outbox.publish([event]);
    },
  };
}
