import { type BreakerConfig, lastErrorOf, type ProbeOutcome } from './breaker.ts';
import type { ModelHealth } from './model-health.ts';

/**
 * Real traffic feeds the same statistics as probes (window, error count, last failure/success) but
 * never moves the breaker: transitions stay with the probes, which see every model evenly.
 */
export function withTraffic(
  prev: ModelHealth,
  outcomes: ProbeOutcome[],
  cfg: Pick<BreakerConfig, 'windowSize'>,
): ModelHealth {
  const h: ModelHealth = { ...prev, window: [...prev.window] };
  for (const o of outcomes) {
    h.window.push({ ok: o.ok ? 1 : 0, ms: Math.round(o.latencyMs) });
    if (o.ok) h.lastSuccess = Math.max(h.lastSuccess ?? 0, o.at);
    else {
      h.errorCount++;
      if (o.at >= (h.lastFailure ?? 0)) h.lastError = lastErrorOf(o);
      h.lastFailure = Math.max(h.lastFailure ?? 0, o.at);
    }
  }
  h.window = h.window.slice(-cfg.windowSize);
  return h;
}
