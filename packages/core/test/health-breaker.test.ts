import { describe, expect, it } from 'vitest';
import {
  type BreakerConfig,
  type BreakerState,
  type HealthTransition,
  INITIAL_HEALTH,
  type ModelHealth,
  nextBreaker,
  type ProbeOutcome,
} from '../src/health/index.ts';
import type { Category } from '../src/taxonomy.ts';

const CFG: BreakerConfig = {
  failureThreshold: 3,
  failureRateThreshold: 0.5,
  minSamples: 6,
  windowSize: 10,
  cooldownMs: 1000,
  successThreshold: 2,
  slowMs: 500,
};

/** `o`: a success, `x`: a 503, `t`: a network error; one probe every 100 ms. */
function walk(script: string, cfg: BreakerConfig = CFG, from: ModelHealth = INITIAL_HEALTH, start = 0) {
  let h = from;
  const steps: { breaker: BreakerState; transitions: HealthTransition[] }[] = [];
  [...script].forEach((c, i) => {
    const category: Category | undefined =
      c === 'x' ? 'server_error' : c === 't' ? 'network_error' : undefined;
    const probe: ProbeOutcome = { ok: c === 'o', latencyMs: 50, at: start + i * 100, category };
    const step = nextBreaker(h, probe, cfg);
    h = step.state;
    steps.push({ breaker: h.breaker, transitions: step.transitions });
  });
  return { h, steps };
}

describe('CLOSED → OPEN by failure rate above the threshold, once the window holds the minimum of samples', () => {
  // Consecutive failures never reach 3 here: only the rate can open the breaker.
  it.each([
    ['oxoxox', 'closed', '3 of 6 failed: not above 0.5'],
    ['xxoxx', 'closed', '4 of 5 failed, but 5 samples are fewer than 6'],
    ['oxxoxx', 'open', '4 of 6 failed'],
    ['oxoxoxx', 'open', '4 of 7 failed'],
    ['ooooooxxoxx', 'closed', 'the window of 10 keeps 4 failures of 10'],
  ])('%s → %s (%s)', (script, breaker) => {
    expect(walk(script).h.breaker).toBe(breaker);
  });

  it('opening by rate is model unavailable and breaker opened, on the probe that crossed it', () => {
    const { steps } = walk('oxoxoxx');
    expect(steps.at(-1)!.transitions).toEqual(['model_unavailable', 'breaker_opened']);
    expect(steps.slice(0, -1).every((s) => s.breaker === 'closed')).toBe(true);
  });
});

describe('HALF_OPEN', () => {
  const opened = walk('xxx').h;
  it.each([
    // after the cooldown: the trial probes; a failed trial is reported (the model is still down)
    ['x', 'open', ['trial_failed']],
    ['ox', 'open', ['trial_failed']],
    ['oo', 'closed', ['recovered']],
    ['o', 'half_open', []],
  ] as const)('after the cooldown, %s → %s with %j on the last probe', (script, breaker, last) => {
    const { h, steps } = walk(script, CFG, opened, 200 + CFG.cooldownMs);
    expect(h.breaker).toBe(breaker);
    expect(steps.at(-1)!.transitions).toEqual(last);
  });

  it('back to OPEN on a failure restarts the cooldown from that failure', () => {
    const at = 200 + CFG.cooldownMs;
    const { h } = walk('x', CFG, opened, at);
    expect(h).toMatchObject({ breaker: 'open', openedAt: at });
    expect(walk('x', CFG, h, at + CFG.cooldownMs - 1).h.breaker).toBe('open');
    expect(walk('o', CFG, h, at + CFG.cooldownMs).h.breaker).toBe('half_open');
  });

  it('repeated failures of an open model add no transition', () => {
    const { steps } = walk('xxxxxxx', { ...CFG, cooldownMs: 60_000 });
    expect(steps.flatMap((s) => s.transitions)).toEqual([
      'first_failure',
      'model_unavailable',
      'breaker_opened',
    ]);
  });
});

describe('one incident keeps the category of its first failure, so its recovery resolves its alert group', () => {
  it.each([
    ['txx', 'network_error'],
    ['xtt', 'server_error'],
    ['xxxxt', 'server_error'],
  ])('%s → %s', (script, category) => {
    expect(walk(script).h.failureCategory).toBe(category);
  });

  it('a new incident after a recovery takes its own first failure', () => {
    const { h } = walk('xoto');
    expect(h.failureCategory).toBe('network_error');
    expect(walk('xot').h.failureCategory).toBe('network_error');
  });
});
