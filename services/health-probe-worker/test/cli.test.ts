import { modelKey } from '@faultline/core';
import {
  type ProviderSimulator,
  pollUntil,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

describe('faultline health', () => {
  it('prints the models as a table and exits 1 while one is unhealthy', async () => {
    sim.script('table-ok', { kind: 'success' });
    sim.script('table-down', { kind: 'http', status: 503, body: { error: { message: 'overloaded' } } });
    const env = probeEnv(
      redis.url,
      sim,
      [
        { id: 'table-ok', provider: 'openai', interval: '200ms' },
        { id: 'table-down', provider: 'openai', interval: '200ms' },
      ],
      { BREAKER_FAILURE_THRESHOLD: '1' },
    );
    const probe = await startProbe(env);
    await pollUntil(
      'both probed',
      async () =>
        (await probe.store.read(modelKey('openai', 'table-down'))).breaker === 'open' &&
        (await probe.store.read(modelKey('openai', 'table-ok'))).window.length > 0,
    );
    await probe.close();
    const health = runRepoProcess(['packages/cli/src/main.ts', 'health'], env);
    const code = await health.exited;
    const out = health.output();
    expect(code).toBe(1);
    expect(out).toMatch(/status: unhealthy \(2 models: 1 healthy, 0 degraded, 1 unhealthy\)/);
    expect(out).toMatch(/openai\s+table-ok\s+healthy\s+closed\s+100%/);
    expect(out).toMatch(/openai\s+table-down\s+unhealthy\s+open\s+0%/);
  }, 30_000);
});
