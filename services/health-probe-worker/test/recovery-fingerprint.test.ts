import {
  AlertEvent,
  type BreakerConfig,
  type Category,
  type ClassifiedError,
  DEFAULT_GROUP_BY,
  fingerprintOf,
  GROUP_KEYS,
  INITIAL_HEALTH,
  type ModelHealth,
  type ModelSpec,
  modelKey,
  nextBreaker,
  type ProbeOutcome,
} from '@faultline/core';
import { type AlertPublisher, createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateStore } from '../src/aggregate-store.ts';
import { transitionEvent } from '../src/health-events.ts';
import { healthOutbox } from '../src/health-outbox.ts';
import { probeStep } from '../src/probe-step.ts';
import { providerAggregates } from '../src/provider-aggregates.ts';

const CFG: BreakerConfig = {
  failureThreshold: 1,
  failureRateThreshold: 0.5,
  minSamples: 10,
  windowSize: 20,
  cooldownMs: 0,
  successThreshold: 1,
  slowMs: 5000,
};
const CONTEXT_FIELDS = [
  'model_id',
  'status',
  'status_code',
  'response_time_ms',
  'error_count',
  'success_rate',
  'circuit_breaker_state',
  'error_message',
  'last_failure',
];
const ALL_BUT_REASON = GROUP_KEYS.filter((k) => k !== 'reason');

const failure = (category: Category, reason: string, statusCode: number | null): ClassifiedError => ({
  category,
  severity: 'HIGH',
  isRetryable: true,
  provider: 'openai',
  model: null,
  gateway: 'gw-1',
  statusCode,
  providerCode: null,
  reason,
  retryAfterMs: null,
  requestId: null,
  originalError: 'APIError',
  message: `${category} from the provider`,
  recommendedActions: [],
});
const FAILURES = {
  server_error: failure('server_error', 'overloaded', 503),
  network_error: failure('network_error', 'connection_reset', null),
  rate_limit: failure('rate_limit', 'requests_per_minute', 429),
  invalid_request: failure('invalid_request', 'invalid_parameter', 400),
  billing_quota: failure('billing_quota', 'insufficient_quota', 429),
  authentication: failure('authentication', 'invalid_api_key', 401),
};
const outcomeOf = (c: ClassifiedError | null, at: number): ProbeOutcome =>
  c
    ? { ok: false, latencyMs: 30, at, category: c.category, statusCode: c.statusCode, message: c.message }
    : { ok: true, latencyMs: 20, at };

function expectSameGroup(firing: AlertEvent, resolved: AlertEvent, groupBys: (readonly string[])[]) {
  expect(firing.state).toBe('firing');
  expect(resolved.state).toBe('resolved');
  for (const groupBy of groupBys)
    expect(fingerprintOf(resolved, groupBy as typeof DEFAULT_GROUP_BY), groupBy.join(',')).toBe(
      fingerprintOf(firing, groupBy as typeof DEFAULT_GROUP_BY),
    );
  for (const e of [firing, resolved]) {
    expect(() => AlertEvent.parse(e)).not.toThrow();
    expect(Object.keys(e.context ?? {})).toEqual(expect.arrayContaining(CONTEXT_FIELDS));
  }
}

describe("a model's recovery has the fingerprint of every failure it ends", () => {
  const model: ModelSpec = {
    id: 'gpt-x',
    provider: 'openai',
    gateway: 'gw-1',
    priority: 'normal',
    interval: 1000,
    probe: 'completion',
  };
  // The first failure's category differs from the failures after it: the recovery must still close it.
  it.each([
    [['network_error', 'server_error', 'server_error'] as const],
    [['server_error', 'invalid_request'] as const],
    [['billing_quota'] as const],
    [['rate_limit', 'rate_limit'] as const],
  ])('%j then a success', (categories) => {
    let h: ModelHealth = INITIAL_HEALTH;
    const events: AlertEvent[] = [];
    const steps = [...categories.map((c) => FAILURES[c]), null];
    steps.forEach((classified, i) => {
      const step = nextBreaker(h, outcomeOf(classified, i * 100), { ...CFG, failureThreshold: 2 });
      for (const transition of step.transitions)
        events.push(
          transitionEvent({
            transition,
            model,
            health: step.state,
            classified,
            latencyMs: 30,
            at: i * 100,
            cfg: CFG,
            downSince: h.downSince,
          }),
        );
      h = step.state;
    });
    const recovery = events.at(-1)!;
    expect(recovery.reason).toBe('recovered');
    expect(events.length).toBeGreaterThan(1);
    for (const firing of events.slice(0, -1))
      expectSameGroup(firing, recovery, [DEFAULT_GROUP_BY, ALL_BUT_REASON]);
  });
});

let redis: TestRedis;
let conn: Redis;
beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  await redis?.close();
});

let n = 0;
/** Models `m-a`, `m-b` of openai, or one model per provider named. */
function provider(providers: string[] = ['openai', 'openai']) {
  const keys = redisKeys(`{t-fp-${process.pid}-${n++}}`);
  const models = providers.map(
    (name, i): ModelSpec => ({
      id: ['m-a', 'm-b', 'm-c'][i]!,
      provider: name,
      gateway: 'gw-1',
      priority: 'normal',
      interval: 1000,
      probe: 'completion',
    }),
  );
  const store = modelHealthStore(conn, keys);
  const events: AlertEvent[] = [];
  const alerts = { publish: async (e: AlertEvent) => void events.push(e) } as unknown as AlertPublisher;
  const aggregates = providerAggregates({
    models: new Map(models.map((m) => [modelKey(m.provider, m.id), m])),
    store,
    flags: aggregateStore(conn, keys),
    outbox: healthOutbox(store, alerts, pino({ level: 'silent' })),
    breaker: CFG,
    stormWindowMs: 60_000,
    breakerStormWindowMs: 60_000,
    modelsFailingThreshold: 1,
    breakersOpenThreshold: 1,
  });
  /** One probe of one model, as the processor runs it: its transitions, then the aggregates. */
  async function probe(m: ModelSpec, classified: ClassifiedError | null, at: number) {
    const outcome = outcomeOf(classified, at);
    const { step, events: made } = await probeStep(store, CFG, m, outcome, classified);
    for (const e of made) await alerts.publish(e);
    await aggregates.afterProbe(m, step, outcome, classified);
  }
  return { models, events, aggregates, probe };
}

describe("an aggregate's recovery has the fingerprint of the aggregate it ends", () => {
  const now = Date.now();
  it.each(['server_error', 'network_error', 'rate_limit', 'invalid_request'] as const)(
    'outage and storms of %s, then one model recovers',
    async (category) => {
      const { models, events, probe } = provider();
      const [a, b] = models as [ModelSpec, ModelSpec];
      await probe(b, FAILURES[category], now);
      await probe(a, FAILURES[category], now + 100);
      await probe(a, null, now + 200);
      for (const kind of ['provider_outage', 'models_failing', 'breakers_opening']) {
        const ofKind = events.filter((e) => e.reason === kind);
        expect(
          ofKind.map((e) => e.state),
          kind,
        ).toEqual(['firing', 'resolved']);
        // An outage is the provider's (through its one gateway); storms count models across providers.
        expect(ofKind[0]).toMatchObject(
          kind === 'provider_outage'
            ? { category, model: null, gateway: 'gw-1', provider: 'openai' }
            : { category, model: null, gateway: null, provider: 'all providers' },
        );
        expectSameGroup(ofKind[0]!, ofKind[1]!, [DEFAULT_GROUP_BY, GROUP_KEYS]);
      }
    },
  );

  it.each(['billing_quota', 'authentication'] as const)(
    "a key failure (%s) is the failing model's alone: a sibling's success does not end it, its own recovery does",
    async (category) => {
      const { models, events, probe } = provider();
      const [a, b] = models as [ModelSpec, ModelSpec];
      await probe(a, FAILURES[category], now);
      await probe(b, null, now + 100);
      await probe(b, null, now + 200);
      // The sibling was never marked failing and published nothing; the incident is still open.
      expect(events.filter((e) => e.model === 'm-b')).toEqual([]);
      expect(events.every((e) => e.state === 'firing')).toBe(true);
      expect(events[0]).toMatchObject({
        category,
        severity: 'CRITICAL',
        model: 'm-a',
        reason: 'first_failure',
      });
      await probe(a, null, now + 300);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ state: 'resolved', model: 'm-a', category });
      expectSameGroup(events[0]!, last, [DEFAULT_GROUP_BY, ALL_BUT_REASON]);
    },
  );
});

describe('storms count models across every provider', () => {
  it('two providers, one model each starting to fail (threshold 1): one storm across them', async () => {
    const { models, events, probe } = provider(['openai', 'anthropic']);
    const [a, b] = models as [ModelSpec, ModelSpec];
    await probe(a, FAILURES.server_error, 1000);
    expect(events.filter((e) => e.reason === 'models_failing')).toEqual([]);
    await probe(b, FAILURES.server_error, 1100);
    const storm = events.filter((e) => e.reason === 'models_failing');
    expect(storm).toHaveLength(1);
    expect(storm[0]).toMatchObject({ provider: 'all providers', severity: 'HIGH', state: 'firing' });
    // Its figures are over every watched model, whichever provider.
    expect(storm[0]!.context).toMatchObject({
      models_total: 2,
      models_failing: 2,
      failing_models: 'm-a, m-b',
    });
    // An outage needs two watched models of one provider: one failing model is that model's news.
    expect(events.filter((e) => e.reason === 'provider_outage')).toEqual([]);
  });
});

describe('aggregates carry the model-health fields, over the provider', () => {
  it('a provider outage: the raising model stands in for the call, the rest is over all models', async () => {
    const { models, events, probe } = provider();
    const [a, b] = models as [ModelSpec, ModelSpec];
    await probe(a, null, 1000);
    await probe(b, null, 1000);
    await probe(b, FAILURES.server_error, 2000);
    await probe(a, FAILURES.server_error, 3000);
    const outage = events.find((e) => e.reason === 'provider_outage')!;
    expect(outage.context).toEqual({
      model_id: 'm-a',
      status: 'unhealthy',
      status_code: 503,
      response_time_ms: 30,
      error_count: 2,
      success_rate: 0.5,
      circuit_breaker_state: 'open',
      error_message: 'server_error from the provider',
      last_failure: new Date(3000).toISOString(),
      models_total: 2,
      models_failing: 2,
      failing_models: 'm-a, m-b',
      breakers_open: 2,
      models_concerned: 2,
    });
  });
});
