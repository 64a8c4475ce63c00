import type { Category } from '../taxonomy.ts';
import type { LastError, ModelHealth } from './model-health.ts';
import { successRate } from './status.ts';

/** Outcomes kept per model; probes and the generation worker's traffic trim to the same `BREAKER_WINDOW`. */
export const DEFAULT_BREAKER_WINDOW = 20;

export interface BreakerConfig {
  /** CLOSED → OPEN after this many consecutive failures… */
  failureThreshold: number;
  /** …or a failure rate above this over the window, once it holds at least `minSamples`. */
  failureRateThreshold: number;
  minSamples: number;
  windowSize: number;
  /** OPEN → HALF_OPEN after this long. */
  cooldownMs: number;
  /** HALF_OPEN → CLOSED after this many successes. */
  successThreshold: number;
  /** Slower than this counts as degraded. */
  slowMs: number;
}

export interface ProbeOutcome {
  ok: boolean;
  latencyMs: number;
  at: number;
  category?: Category;
  /** The classification's finer code (`insufficient_quota`, `timeout`, `circuit_open` …). */
  reason?: string;
  statusCode?: number | null;
  message?: string;
}

export const lastErrorOf = (o: ProbeOutcome): LastError => ({
  category: o.category ?? 'unknown',
  reason: o.reason ?? null,
  statusCode: o.statusCode ?? null,
  message: o.message ?? null,
});

export type HealthTransition =
  | 'first_failure'
  | 'model_unavailable'
  | 'breaker_opened'
  /** HALF_OPEN → OPEN: the trial after the cooldown failed; the model is still down. */
  | 'trial_failed'
  | 'recovered';

export interface BreakerStep {
  state: ModelHealth;
  transitions: HealthTransition[];
}

export const INITIAL_HEALTH: ModelHealth = {
  breaker: 'closed',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  openedAt: null,
  downSince: null,
  window: [],
  errorCount: 0,
  lastFailure: null,
  lastSuccess: null,
  failureCategory: null,
  lastError: null,
  lastProbeAt: null,
};

/**
 * One probe's effect on a model's breaker: the spec of every transition, pure.
 * CLOSED → OPEN after N consecutive failures or a failure rate over the threshold; OPEN → HALF_OPEN
 * once the cooldown has passed (the probe after it is the trial); HALF_OPEN → CLOSED after M
 * successes, back to OPEN on a failure (a failed trial is reported). Repeated failures of an open
 * model add no transition.
 */
export function nextBreaker(prev: ModelHealth, probe: ProbeOutcome, cfg: BreakerConfig): BreakerStep {
  const transitions: HealthTransition[] = [];
  const h: ModelHealth = {
    ...prev,
    window: [...prev.window, { ok: probe.ok ? 1 : 0, ms: Math.round(probe.latencyMs) } as const].slice(
      -cfg.windowSize,
    ),
    lastProbeAt: probe.at,
  };
  if (h.breaker === 'open' && h.openedAt !== null && probe.at - h.openedAt >= cfg.cooldownMs) {
    h.breaker = 'half_open';
    h.consecutiveSuccesses = 0;
  }
  if (probe.ok) {
    h.lastSuccess = probe.at;
    h.consecutiveFailures = 0;
    if (h.breaker === 'half_open') {
      h.consecutiveSuccesses++;
      if (h.consecutiveSuccesses >= cfg.successThreshold) {
        h.breaker = 'closed';
        h.openedAt = null;
        transitions.push('recovered');
      }
    } else if (h.breaker === 'closed' && prev.consecutiveFailures > 0) {
      // A blip that never opened the breaker recovers too, closing its first-failure alert.
      transitions.push('recovered');
    }
    if (transitions.includes('recovered')) h.downSince = null;
    return { state: h, transitions };
  }

  h.errorCount++;
  h.lastFailure = probe.at;
  h.consecutiveFailures++;
  h.consecutiveSuccesses = 0;
  // The category of the incident's first failure, kept until it recovers: every event of the
  // incident, and so its recovery, lands in one alert group even if a 503 turns into timeouts.
  h.failureCategory = (prev.downSince === null ? null : prev.failureCategory) ?? probe.category ?? 'unknown';
  h.lastError = lastErrorOf(probe);
  if (h.breaker === 'half_open') {
    h.breaker = 'open';
    h.openedAt = probe.at;
    transitions.push('trial_failed');
    return { state: h, transitions };
  }
  if (h.breaker === 'closed') {
    if (prev.consecutiveFailures === 0 && prev.breaker === 'closed') {
      h.downSince = probe.at;
      transitions.push('first_failure');
    }
    const failureRate = 1 - successRate(h);
    if (
      h.consecutiveFailures >= cfg.failureThreshold ||
      (h.window.length >= cfg.minSamples && failureRate > cfg.failureRateThreshold)
    ) {
      h.breaker = 'open';
      h.openedAt = probe.at;
      transitions.push('model_unavailable', 'breaker_opened');
    }
  }
  return { state: h, transitions };
}
