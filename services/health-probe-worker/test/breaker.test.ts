import { modelKey } from '@faultline/core';
import { QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, healthEvents, pollUntil, probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

const model = (id: string, extra: object = {}) => ({ id, provider: 'openai', interval: '200ms', ...extra });

describe('a model that fails then recovers walks its breaker', () => {
  it('CLOSED → OPEN → HALF_OPEN → CLOSED with exactly first failure, unavailable, breaker open, recovered', async () => {
    sim.script('walk', [down, down, down, down, down, { kind: 'success', text: '' }]);
    const env = probeEnv(redis.url, sim, [model('walk')]);
    const probe = await startProbe(env);
    const states: string[] = [];
    await pollUntil(
      'recovery',
      async () => {
        const s = (await probe.store.read(modelKey('openai', 'walk'))).breaker;
        if (states.at(-1) !== s) states.push(s);
        return states.length >= 4 && s === 'closed';
      },
      { timeoutMs: 15_000, intervalMs: 10 },
    );
    expect(states).toEqual(['closed', 'open', 'half_open', 'closed']);
    // Let more successful probes run: a healthy model adds no event.
    const before = sim.requests('walk').length;
    await pollUntil('two more probes', () => sim.requests('walk').length >= before + 2);
    const events = await healthEvents(env);
    expect(events.map((e) => e.reason)).toEqual([
      'first_failure',
      'model_unavailable',
      'breaker_opened',
      'recovered',
    ]);
    expect(events.map((e) => e.state)).toEqual(['firing', 'firing', 'firing', 'resolved']);
    expect(new Set(events.map((e) => e.category))).toEqual(new Set(['server_error']));
    const opened = events[2]!;
    expect(opened).toMatchObject({
      severity: 'MEDIUM',
      operation: 'health_check',
      model: 'walk',
      context: { circuit_breaker_state: 'open', model_id: 'walk', status: 'unhealthy' },
    });
    expect(opened.context).toMatchObject({ error_count: 3, status_code: 503 });
    expect(events[3]!.message).toMatch(/recovered after \d+ s down/);
    await probe.close();
  });

  it('a critical-priority model going down is CRITICAL; an empty answer from a reasoning model is healthy', async () => {
    sim.script('crit', down);
    sim.script('thinker', { kind: 'success', text: '' });
    const env = probeEnv(redis.url, sim, [model('crit', { priority: 'critical' }), model('thinker')]);
    const probe = await startProbe(env);
    await pollUntil('the critical model down', async () =>
      (await healthEvents(env)).some((e) => e.reason === 'breaker_opened'),
    );
    const events = await healthEvents(env);
    expect(events.find((e) => e.reason === 'breaker_opened')).toMatchObject({
      model: 'crit',
      severity: 'CRITICAL',
    });
    expect(events.filter((e) => e.model === 'thinker')).toEqual([]);
    expect((await probe.store.read(modelKey('openai', 'thinker'))).lastSuccess).not.toBeNull();
    await probe.close();
  });
});

describe('aggregates', () => {
  it('every model of one provider failing is one provider-outage event, not one per model', async () => {
    for (const id of ['out-a', 'out-b', 'out-c']) sim.script(id, down);
    sim.script('claude-fine', { kind: 'success' });
    const env = probeEnv(redis.url, sim, [
      model('out-a'),
      model('out-b'),
      model('out-c'),
      { id: 'claude-fine', provider: 'anthropic', interval: '200ms' },
    ]);
    const probe = await startProbe(env);
    await pollUntil(
      'the outage',
      async () => (await healthEvents(env)).some((e) => e.reason === 'provider_outage'),
      { timeoutMs: 10_000 },
    );
    await pollUntil('more failing probes', () => sim.requests('out-a').length >= 6);
    const outages = (await healthEvents(env)).filter((e) => e.reason === 'provider_outage');
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({
      provider: 'openai',
      model: null,
      severity: 'CRITICAL',
      operation: 'availability_check',
    });
    await probe.close();
  });

  it("a billing failure is the failing model's own: a working sibling of the same key is never marked failing", async () => {
    const billing: SimStep = {
      kind: 'http',
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
    };
    sim.script('bill-a', billing);
    sim.script('bill-ok', { kind: 'success' });
    const env = probeEnv(redis.url, sim, [
      model('bill-a', { interval: '300ms' }),
      model('bill-ok', { interval: '300ms', priority: 'critical' }),
    ]);
    const probe = await startProbe(env);
    await pollUntil('bill-a open', async () =>
      (await healthEvents(env)).some((e) => e.model === 'bill-a' && e.reason === 'breaker_opened'),
    );
    await pollUntil('more probes of both', () => sim.requests('bill-ok').length >= 6);
    const events = await healthEvents(env);
    // Every event is bill-a's, CRITICAL from its first failure (a key out of credit pages at once),
    // and documented as key-wide at openai.
    expect(events.every((e) => e.model === 'bill-a' && e.state === 'firing')).toBe(true);
    expect(events[0]).toMatchObject({
      category: 'billing_quota',
      severity: 'CRITICAL',
      reason: 'first_failure',
    });
    expect(events[0]!.context).toMatchObject({ failure_scope: 'key' });
    const sibling = await probe.store.read(modelKey('openai', 'bill-ok'));
    expect(sibling).toMatchObject({ breaker: 'closed', consecutiveFailures: 0, errorCount: 0 });
    await probe.close();
  });
});

describe('schedules and state survive restarts', () => {
  it('restarting keeps the breaker state and the schedule; a model leaving the file loses its scheduler', async () => {
    sim.script('sticky', down);
    const env = probeEnv(redis.url, sim, [model('sticky', { interval: '150ms' })], {
      BREAKER_COOLDOWN: '1h',
    });
    let probe = await startProbe(env);
    await pollUntil(
      'open',
      async () => (await probe.store.read(modelKey('openai', 'sticky'))).breaker === 'open',
    );
    await probe.close();
    const probes = new Queue(QUEUES.healthProbes, {
      connection: { url: redis.url },
      prefix: env.QUEUE_PREFIX!,
    });
    expect(await probes.getJobSchedulersCount()).toBe(1);
    probe = await startProbe(env);
    expect((await probe.store.read(modelKey('openai', 'sticky'))).breaker).toBe('open');
    const seen = sim.requests('sticky').length;
    await pollUntil('probes to go on', () => sim.requests('sticky').length >= seen + 2);
    expect((await healthEvents(env)).filter((e) => e.reason === 'breaker_opened')).toHaveLength(1);
    await probe.close();
    const emptied = probeEnv(redis.url, sim, [], {});
    const restarted = await startProbe({ ...emptied, QUEUE_PREFIX: env.QUEUE_PREFIX! });
    expect(await probes.getJobSchedulersCount()).toBe(0);
    await restarted.close();
    await probes.close();
  });
});

describe('the health API', () => {
  it('/health and /api/monitoring/health report the models', async () => {
    sim.script('api-ok', { kind: 'success' });
    sim.script('api-down', down);
    const env = probeEnv(redis.url, sim, [model('api-ok'), model('api-down')], {
      BREAKER_FAILURE_THRESHOLD: '1',
    });
    const probe = await startProbe(env);
    await pollUntil(
      'both probed',
      async () =>
        (await probe.store.read(modelKey('openai', 'api-down'))).breaker === 'open' &&
        (await probe.store.read(modelKey('openai', 'api-ok'))).window.length > 0,
    );
    const live = await fetch(`${probe.apiUrl}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok', redis: true, schedulers: 2 });
    const summary = await (await fetch(`${probe.apiUrl}/api/monitoring/health`)).json();
    expect(summary).toEqual({
      status: 'unhealthy',
      models: { total: 2, healthy: 1, degraded: 0, unhealthy: 1 },
    });
    const detail = (await (await fetch(`${probe.apiUrl}/api/monitoring/health?detail=true`)).json()) as {
      providers: object;
      details: { model_id: string; status: string; last_error: object | null }[];
    };
    expect(detail.providers).toEqual({ openai: { total: 2, healthy: 1, degraded: 0, unhealthy: 1 } });
    expect(detail.details.map((d) => [d.model_id, d.status])).toEqual([
      ['api-ok', 'healthy'],
      ['api-down', 'unhealthy'],
    ]);
    // The probe's failure as its classification said it: what to fix, without the logs.
    const rows = detail.details;
    expect(rows.find((d) => d.model_id === 'api-ok')!.last_error).toBeNull();
    expect(rows.find((d) => d.model_id === 'api-down')!.last_error).toEqual({
      category: 'server_error',
      reason: expect.any(String),
      status_code: 503,
      message: expect.stringContaining('overloaded'),
    });
    await probe.close();
  });
});

describe('storms', () => {
  it('more than MODELS_FAILING_THRESHOLD models starting to fail, or breakers opening, within the window is one HIGH event each', async () => {
    for (const id of ['storm-a', 'storm-b', 'storm-c']) sim.script(id, down);
    sim.script('storm-fine', { kind: 'success' });
    const env = probeEnv(
      redis.url,
      sim,
      [model('storm-a'), model('storm-b'), model('storm-c'), model('storm-fine')],
      {
        MODELS_FAILING_THRESHOLD: '2',
        BREAKERS_OPEN_THRESHOLD: '2',
        BREAKER_FAILURE_THRESHOLD: '1',
      },
    );
    const probe = await startProbe(env);
    await pollUntil('both storms', async () => {
      const reasons = (await healthEvents(env)).map((e) => e.reason);
      return reasons.includes('models_failing') && reasons.includes('breakers_opening');
    });
    await pollUntil('more failing probes', () => sim.requests('storm-a').length >= 4);
    const storms = (await healthEvents(env)).filter(
      (e) => e.reason === 'models_failing' || e.reason === 'breakers_opening',
    );
    expect(storms.map((e) => [e.reason, e.severity, e.operation])).toEqual(
      expect.arrayContaining([
        ['models_failing', 'HIGH', 'availability_check'],
        ['breakers_opening', 'HIGH', 'availability_check'],
      ]),
    );
    expect(storms).toHaveLength(2);
    await probe.close();
  });
});
