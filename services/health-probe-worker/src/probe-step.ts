import {
  type AlertEvent,
  type BreakerConfig,
  type BreakerStep,
  type ClassifiedError,
  type ModelSpec,
  modelKey,
  nextBreaker,
  type ProbeOutcome,
} from '@faultline/core';
import type { ModelHealthStore } from '@faultline/runtime';
import { transitionEvent } from './health-events.ts';

/** One probe's outcome applied to its own model's breaker (atomically), and the events its transitions make. */
export async function probeStep(
  store: ModelHealthStore,
  cfg: BreakerConfig,
  m: ModelSpec,
  outcome: ProbeOutcome,
  classified: ClassifiedError | null,
): Promise<{ step: BreakerStep; events: AlertEvent[] }> {
  const step = await store.update(modelKey(m.provider, m.id), (h) => {
    const next = nextBreaker(h, outcome, cfg);
    return { state: next.state, result: { ...next, downSince: h.downSince } };
  });
  const events = step.transitions.map((transition) =>
    transitionEvent({
      transition,
      model: m,
      health: step.state,
      classified,
      latencyMs: outcome.latencyMs,
      at: outcome.at,
      cfg,
      downSince: step.downSince,
    }),
  );
  return { step, events };
}
