import { INITIAL_HEALTH, type ModelHealth, ModelSpec, modelKey } from '@faultline/core';
import { createRedis, healthSummary, modelHealthStore, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let conn: Redis;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  conn = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

const OPEN: ModelHealth = { ...INITIAL_HEALTH, breaker: 'open', openedAt: 1, consecutiveFailures: 3 };
const FAILING: ModelHealth = { ...INITIAL_HEALTH, consecutiveFailures: 1, window: [{ ok: 0, ms: 10 }] };
const FINE: ModelHealth = { ...INITIAL_HEALTH, window: [{ ok: 1, ms: 10 }] };

/** `healthy` models fine, then `degraded` failing, then `unhealthy` open; the first `critical` are critical. */
async function fleet(
  prefix: string,
  counts: { healthy: number; degraded: number; unhealthy: number },
  critical = 0,
) {
  const store = modelHealthStore(conn, redisKeys(prefix));
  const states = [
    ...Array(counts.healthy).fill(FINE),
    ...Array(counts.degraded).fill(FAILING),
    ...Array(counts.unhealthy).fill(OPEN),
  ] as ModelHealth[];
  const models = states.map((_, i) =>
    ModelSpec.parse({
      id: `m-${i}`,
      provider: i % 2 ? 'openai' : 'anthropic',
      priority: i >= states.length - critical ? 'critical' : 'normal',
    }),
  );
  for (const [i, m] of models.entries())
    await store.update(modelKey(m.provider, m.id), () => ({ state: states[i]!, result: null }));
  return { models, store };
}

let n = 0;
describe('GET /api/monitoring/health: the overall status', () => {
  it.each([
    [{ healthy: 95, degraded: 3, unhealthy: 2 }, 0, 'healthy'],
    [{ healthy: 19, degraded: 0, unhealthy: 1 }, 0, 'healthy'],
    [{ healthy: 19, degraded: 0, unhealthy: 1 }, 1, 'unhealthy'],
    [{ healthy: 8, degraded: 1, unhealthy: 1 }, 0, 'degraded'],
    [{ healthy: 1, degraded: 0, unhealthy: 1 }, 0, 'unhealthy'],
  ] as const)('%j with %i critical (the last ones) → %s', async (counts, critical, status) => {
    const { models, store } = await fleet(`{t-sum-${process.pid}-${n++}}`, counts, critical);
    const summary = await healthSummary(models, store, { slowMs: 5000 });
    expect(summary.status).toBe(status);
    expect(summary.models).toEqual({ total: models.length, ...counts });
  });
});

describe('faultline health exits 0 only when every model is healthy', () => {
  it('the overall status reads healthy with 1 of 20 down, and the exit code is still 1', async () => {
    const prefix = `{t-sum-${process.pid}-${n++}}`;
    const { models } = await fleet(prefix, { healthy: 19, degraded: 0, unhealthy: 1 });
    const env = { ...probeEnv(redis.url, sim, models), QUEUE_PREFIX: prefix };
    const cli = runRepoProcess(['packages/cli/src/main.ts', 'health'], env);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/status: healthy \(20 models: 19 healthy, 0 degraded, 1 unhealthy\)/);
  }, 30_000);
});
