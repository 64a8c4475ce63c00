import { modelKey } from '@faultline/core';
import { createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
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
describe('real traffic feeds the health-probe statistics', () => {
  it.each([
    [5, 8, 5],
    [20, 8, 8],
  ])(
    'BREAKER_WINDOW=%i, %i calls: the window keeps %i; failures count; the breaker does not move',
    async (windowSize, calls, kept) => {
      const store = modelHealthStore(conn, redisKeys(`{t-gate-${process.pid}-${n++}}`));
      const gate = breakerGate(store, { windowSize });
      for (let i = 0; i < calls; i++)
        gate.record('openai', 'gpt-x', { ok: i % 2 === 0, latencyMs: 10, at: 1000 + i });
      await gate.close();
      const h = await store.read(modelKey('openai', 'gpt-x'));
      expect(h.window).toHaveLength(kept);
      expect(h).toMatchObject({ errorCount: calls / 2, lastFailure: 1000 + calls - 1, breaker: 'closed' });
    },
  );

  it('the window size is the BREAKER_WINDOW setting, as the health-probe worker reads it', () => {
    expect(GenerationConfig.parse({ BREAKER_WINDOW: '7' }).BREAKER_WINDOW).toBe(7);
    expect(GenerationConfig.parse({}).BREAKER_WINDOW).toBe(20);
  });
});

describe('the breaker each job checks before calling', () => {
  const getCalls = async () =>
    Number(/cmdstat_get:calls=(\d+)/.exec(await conn.info('commandstats'))?.[1] ?? 0);

  it('an open breaker in Redis is seen; jobs asking at once share one read', async () => {
    const keys = redisKeys(`{t-gate-${process.pid}-${n++}}`);
    const store = modelHealthStore(conn, keys);
    await store.update(modelKey('openai', 'gpt-x'), (h) => ({
      state: { ...h, breaker: 'open' },
      result: null,
    }));
    const gate = breakerGate(store);
    const before = await getCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => gate.isOpen('openai', 'gpt-x')));
    expect(answers).toEqual(Array(50).fill(true));
    expect((await getCalls()) - before).toBe(1);
    // Fresh for a second: answered without Redis.
    expect(gate.isOpen('openai', 'gpt-x')).toBe(true);
    const other = gate.isOpen('openai', 'gpt-y');
    expect(other).toBeInstanceOf(Promise);
    expect(await other).toBe(false);
    await gate.close();
  });
});
