import {
  type BreakerConfig,
  type BreakerStep,
  type ClassifiedError,
  type ModelHealth,
  type ModelSpec,
  modelKey,
  type ProbeOutcome,
} from '@faultline/core';
import type { AlertPublisher, ModelHealthStore } from '@faultline/runtime';
import {
  type AggregateGroup,
  type AggregateKind,
  aggregateEvent,
  aggregateGroup,
} from './aggregate-events.ts';
import type { AggregateStore } from './aggregate-store.ts';
import { providerContext } from './health-context.ts';

export interface AggregateDeps {
  models: Map<string, ModelSpec>;
  store: ModelHealthStore;
  flags: AggregateStore;
  alerts: AlertPublisher;
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

  async function publish(
    group: AggregateGroup,
    state: 'firing' | 'resolved',
    count: number,
    probe: {
      model: ModelSpec;
      health: ModelHealth;
      outcome: ProbeOutcome;
      classified: ClassifiedError | null;
    },
  ): Promise<void> {
    const peers = peersOf(group.provider);
    const healths = await deps.store.readMany(peers.map((p) => modelKey(p.provider, p.id)));
    const context = providerContext({
      model: probe.model,
      health: probe.health,
      latencyMs: probe.outcome.latencyMs,
      peers: peers.map((spec) => ({ spec, health: healths.get(modelKey(spec.provider, spec.id))! })),
      cfg: deps.breaker,
    });
    await deps.alerts.publish(
      aggregateEvent({
        group,
        state,
        classified: state === 'resolved' ? null : probe.classified,
        count,
        at: probe.outcome.at,
        context,
      }),
    );
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
      const probe = { model: m, health: step.state, outcome, classified };
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
        );
        if (r.outcome && r.group)
          await publish(r.group, r.outcome === 'fired' ? 'firing' : 'resolved', r.count, probe);
      }
      if (outcome.ok) {
        // Not every model of the provider fails any more: its outage, if it fires, is over. The
        // models still failing keep their own alerts open until each recovers.
        const ended = await deps.flags.close(
          'provider_outage',
          m.provider,
          groupOf('provider_outage', m, null),
        );
        if (ended) await publish(ended, 'resolved', peersOf(m.provider).length, probe);
        return;
      }
      const peers = peersOf(m.provider);
      if (peers.length < 2) return;
      const group = groupOf('provider_outage', m, classified);
      const peerKeys = peers.map((p) => modelKey(p.provider, p.id));
      if (await deps.flags.openOutage(group, peerKeys)) await publish(group, 'firing', peers.length, probe);
    },
  };
}
