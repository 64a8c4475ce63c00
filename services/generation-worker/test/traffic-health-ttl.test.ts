import { modelKey } from '@faultline/core';
import {
  createRedis,
  MODEL_STATES_LIMIT,
  modelHealthStore,
  modelStates,
  redisKeys,
} from '@faultline/runtime';
import { pollUntil, startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerGate } from '../src/breaker-gate.ts';
import { GenerationConfig } from '../src/config.ts';

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fresh = () => `{t-ttl-${process.pid}-${n++}}`;
const commandCalls = async (command: string) =>
  Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await conn.info('commandstats'))?.[1] ?? 0);
const healthKeys = (prefix: string) => conn.keys(`${prefix}:health:*`);

describe('traffic-only model health expires (MODEL_HEALTH_TTL), renewed by each job', () => {
  it('10,000 distinct model names nobody probes leave 10,000 keys that each expire', {
    timeout: 120_000,
  }, async () => {
    const prefix = fresh();
    const keys = redisKeys(prefix);
    const gate = breakerGate(modelHealthStore(conn, keys, { ttlMs: 600_000 }));
    for (let i = 0; i < 10_000; i++)
      gate.record('openai', `typo-${i}`, {
        ok: false,
        latencyMs: 1,
        at: Date.now(),
        category: 'model_error',
      });
    await gate.close();
    const written = await healthKeys(prefix);
    expect(written).toHaveLength(10_000);
    const ttls = await Promise.all(written.map((k) => conn.pttl(k)));
    expect(ttls.filter((ttl) => !(ttl > 0 && ttl <= 600_000))).toEqual([]);
    expect(await conn.zcard(keys.modelHealthIndex('traffic'))).toBe(10_000);
  });

  it('expired, they are gone from Redis, from the listing, and from the index at the next write', async () => {
    const prefix = fresh();
    const keys = redisKeys(prefix);
    const gate = breakerGate(modelHealthStore(conn, keys, { ttlMs: 300 }));
    for (let i = 0; i < 20; i++)
      gate.record('openai', `typo-${i}`, { ok: true, latencyMs: 1, at: Date.now() });
    await gate.close();
    await pollUntil('the traffic-only health to expire', async () => (await healthKeys(prefix)).length === 0);
    expect(await modelStates(conn, prefix)).toEqual([]);
    await sleep(350);
    const next = breakerGate(modelHealthStore(conn, keys, { ttlMs: 300 }));
    next.record('openai', 'real-model', { ok: true, latencyMs: 1, at: Date.now() });
    await next.close();
    expect(await conn.zrange(keys.modelHealthIndex('traffic'), 0, -1)).toEqual(['openai/real-model']);
  });

  it("each job renews its model's TTL; a probe's write keeps the model for good", async () => {
    const prefix = fresh();
    const keys = redisKeys(prefix);
    const traffic = modelHealthStore(conn, keys, { ttlMs: 60_000 });
    const probes = modelHealthStore(conn, keys);
    const key = modelKey('openai', 'gpt-x');
    await traffic.update(key, (h) => ({ state: h, result: null }));
    await conn.pexpire(keys.modelHealth(key), 5_000);
    await traffic.update(key, (h) => ({ state: { ...h, errorCount: 1 }, result: null }));
    expect(await conn.pttl(keys.modelHealth(key))).toBeGreaterThan(50_000);
    await probes.update(key, (h) => ({ state: { ...h, errorCount: 2 }, result: null }));
    expect(await conn.pttl(keys.modelHealth(key))).toBe(-1);
    expect(await conn.zrange(keys.modelHealthIndex('probes'), 0, -1)).toEqual([key]);
  });

  it('MODEL_HEALTH_TTL is a setting, a week by default', () => {
    expect(GenerationConfig.parse({}).MODEL_HEALTH_TTL).toBe(7 * 86_400_000);
    expect(GenerationConfig.parse({ MODEL_HEALTH_TTL: '24h' }).MODEL_HEALTH_TTL).toBe(86_400_000);
  });

  it("the generation worker's own view of breakers holds the last second's models, not every name ever seen", async () => {
    const store = modelHealthStore(conn, redisKeys(fresh()), { ttlMs: 60_000 });
    const gate = breakerGate(store);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => gate.openBreaker('openai', `name-${i}`)));
    expect(gate.viewed).toBe(2000);
    await pollUntil('the stale views to be dropped', () => gate.viewed === 0);
    await gate.close();
  });
});

describe('the status page, health JSON and /metrics list models from the indexes, never a SCAN', () => {
  it('probed models first, then traffic-only ones, newest first, at most MODEL_STATES_LIMIT', async () => {
    const prefix = fresh();
    const keys = redisKeys(prefix);
    const probes = modelHealthStore(conn, keys);
    const traffic = modelHealthStore(conn, keys, { ttlMs: 60_000 });
    await probes.update(modelKey('openai', 'probed'), (h) => ({ state: h, result: null }));
    for (let i = 0; i < 30; i++)
      await traffic.update(modelKey('anthropic', `t-${String(i).padStart(2, '0')}`), (h) => ({
        state: h,
        result: null,
      }));
    // Keys no index names (written before the indexes existed, or by hand) are not listed, nor read.
    await conn.set(keys.modelHealth('openai/unindexed'), '{}');
    const scans = await commandCalls('scan');
    const all = await modelStates(conn, prefix);
    expect(all.map((s) => `${s.spec.provider}/${s.spec.id}`)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `anthropic/t-${String(i).padStart(2, '0')}`),
      'openai/probed',
    ]);
    const few = await modelStates(conn, prefix, 5);
    expect(few.map((s) => s.spec.id).sort()).toEqual(['probed', 't-26', 't-27', 't-28', 't-29']);
    expect(await commandCalls('scan')).toBe(scans);
    expect(MODEL_STATES_LIMIT).toBe(1000);
  });
});
