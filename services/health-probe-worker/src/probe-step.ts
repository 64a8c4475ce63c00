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

/**
 * One probe's outcome applied to its own model's breaker, and the events its transitions make,
 * written to the health outbox in the same atomic step: publish them, then mark them published.
 */
export async function probeStep(
  store: ModelHealthStore,
  cfg: BreakerConfig,
  m: ModelSpec,
  outcome: ProbeOutcome,
  classified: ClassifiedError | null,
): Promise<{ step: BreakerStep; events: AlertEvent[] }> {
  const step = await store.update(modelKey(m.provider, m.id), (h) => {
    const next = nextBreaker(h, outcome, cfg);
    const result = { ...next, downSince: h.downSince };
    const events = next.transitions.map((transition) =>
      transitionEvent({
        transition,
        model: m,
        health: next.state,
        classified,
        latencyMs: outcome.latencyMs,
        at: outcome.at,
        cfg,
        downSince: h.downSince,
      }),
    );
    // The events go into the health outbox with the state they describe (one Redis step).
    return { state: next.state, result: { ...result, events }, events };
  });
  const { events } = step;
  return { step, events };
}
