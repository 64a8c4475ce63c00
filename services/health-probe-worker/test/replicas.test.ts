import {
  type ProviderSimulator,
  pollUntil,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

const startProcess = (env: Record<string, string>) =>
  runRepoProcess(['services/health-probe-worker/src/main.ts'], { ...env, LOG_LEVEL: 'info' });

describe('two health-probe processes', () => {
  it('run each probe once per interval, not twice', async () => {
    sim.script('shared', { kind: 'success' });
    const env = probeEnv(redis.url, sim, [{ id: 'shared', provider: 'openai', interval: '250ms' }]);
    const procs = [startProcess(env), startProcess(env)];
    await pollUntil(
      'both ready',
      () => procs.every((p) => p.output().includes('health-probe worker ready')),
      { timeoutMs: 30_000 },
    );
    const start = sim.requests('shared').length;
    const t0 = Date.now();
    await pollUntil('a while of probing', () => Date.now() - t0 >= 2500, { timeoutMs: 5000 });
    const probes = sim.requests('shared').length - start;
    const elapsed = Date.now() - t0;
    // One scheduler: about elapsed/interval probes; two would double it.
    expect(probes).toBeGreaterThanOrEqual(Math.floor(elapsed / 250) - 3);
    expect(probes).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    for (const p of procs) p.child.kill('SIGTERM');
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
  }, 60_000);
});
