import type { Category } from '../taxonomy.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

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
  statusCode?: number | null;
  message?: string;
}

export interface ModelHealth {
  breaker: BreakerState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  openedAt: number | null;
  /** When the model last went from healthy to failing; recovery reports the time since. */
  downSince: number | null;
  /** Recent outcomes, newest last: `1`/`0` and latency, kept small for Redis. */
  window: { ok: 0 | 1; ms: number }[];
  errorCount: number;
  lastFailure: number | null;
  lastSuccess: number | null;
  /** What the current failure is, so the recovery event resolves the same alert group. */
  failureCategory: Category | null;
  lastStatusCode: number | null;
  lastMessage: string | null;
}

export type HealthTransition = 'first_failure' | 'model_unavailable' | 'breaker_opened' | 'recovered';

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
  lastStatusCode: null,
  lastMessage: null,
};

export function successRate(h: ModelHealth): number {
  if (!h.window.length) return 1;
  return h.window.reduce((n, w) => n + w.ok, 0) / h.window.length;
}

export function latencyPercentile(h: ModelHealth, p: number): number | null {
  const ok = h.window
    .filter((w) => w.ok)
    .map((w) => w.ms)
    .sort((a, b) => a - b);
  return ok.length ? ok[Math.min(ok.length - 1, Math.floor(p * ok.length))]! : null;
}

export function statusOf(h: ModelHealth, cfg: Pick<BreakerConfig, 'slowMs'>): HealthStatus {
  if (h.breaker === 'open') return 'unhealthy';
  if (h.breaker === 'half_open' || h.consecutiveFailures > 0 || successRate(h) < 1) return 'degraded';
  const p50 = latencyPercentile(h, 0.5);
  return p50 !== null && p50 > cfg.slowMs ? 'degraded' : 'healthy';
}

/**
 * One probe's effect on a model's breaker: the spec of every transition, pure.
 * CLOSED → OPEN after N consecutive failures or a failure rate over the threshold; OPEN → HALF_OPEN
 * once the cooldown has passed (the probe after it is the trial); HALF_OPEN → CLOSED after M
 * successes, back to OPEN on a failure. Repeated failures of an open model add no transition.
 */
export function nextBreaker(prev: ModelHealth, probe: ProbeOutcome, cfg: BreakerConfig): BreakerStep {
  const transitions: HealthTransition[] = [];
  const h: ModelHealth = {
    ...prev,
    window: [...prev.window, { ok: probe.ok ? 1 : 0, ms: Math.round(probe.latencyMs) } as const].slice(
      -cfg.windowSize,
    ),
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
  h.failureCategory = probe.category ?? h.failureCategory ?? 'unknown';
  h.lastStatusCode = probe.statusCode ?? null;
  h.lastMessage = probe.message ?? null;
  if (h.breaker === 'half_open') {
    h.breaker = 'open';
    h.openedAt = probe.at;
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
      h.lastFailure = Math.max(h.lastFailure ?? 0, o.at);
    }
  }
  h.window = h.window.slice(-cfg.windowSize);
  return h;
}
