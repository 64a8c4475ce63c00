import { INITIAL_HEALTH, type ModelHealth, modelKey } from '@faultline/core';
import { createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerGate, openBreakerOf } from '../src/breaker-gate.ts';
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

  it('an open breaker in Redis is seen with its cause; jobs asking at once share one read', async () => {
    const keys = redisKeys(`{t-gate-${process.pid}-${n++}}`);
    const store = modelHealthStore(conn, keys);
    await store.update(modelKey('openai', 'gpt-x'), (h) => ({
      state: { ...h, breaker: 'open', failureCategory: 'billing_quota', lastError: QUOTA },
      result: null,
    }));
    const gate = breakerGate(store);
    const before = await getCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => gate.openBreaker('openai', 'gpt-x')));
    const billing = {
      category: 'billing_quota',
      providerCode: 'insufficient_quota',
      statusCode: 429,
      cause: 'billing_quota (insufficient_quota): You exceeded your current quota',
    };
    expect(answers).toEqual(Array(50).fill(billing));
    expect((await getCalls()) - before).toBe(1);
    // Fresh for a second: the cause too is answered without Redis.
    expect(gate.openBreaker('openai', 'gpt-x')).toEqual(billing);
    const other = gate.openBreaker('openai', 'gpt-y');
    expect(other).toBeInstanceOf(Promise);
    expect(await other).toBeNull();
    await gate.close();
  });
});

const QUOTA = {
  category: 'billing_quota',
  reason: 'insufficient_quota',
  statusCode: 429,
  message: 'You exceeded your current quota',
} as const;

describe('what an open breaker says opened it', () => {
  const health = (patch: Partial<ModelHealth>): ModelHealth => ({
    ...INITIAL_HEALTH,
    breaker: 'open',
    ...patch,
  });

  it('closed or half open: jobs may call the model', () => {
    expect(
      openBreakerOf({ ...INITIAL_HEALTH, failureCategory: 'billing_quota', lastError: QUOTA }),
    ).toBeNull();
    expect(openBreakerOf(health({ breaker: 'half_open', failureCategory: 'billing_quota' }))).toBeNull();
  });

  it.each<[string, Partial<ModelHealth>, Record<string, unknown>]>([
    [
      "the incident's category, with the last error's code, status and message",
      {
        failureCategory: 'authentication',
        lastError: {
          ...QUOTA,
          category: 'authentication',
          reason: 'invalid_api_key',
          statusCode: 401,
          message: 'Incorrect API key provided',
        },
      },
      {
        category: 'authentication',
        providerCode: 'invalid_api_key',
        statusCode: 401,
        cause: 'authentication (invalid_api_key): Incorrect API key provided',
      },
    ],
    [
      "no incident category: the last error's",
      { lastError: QUOTA },
      { category: 'billing_quota', providerCode: 'insufficient_quota', statusCode: 429 },
    ],
    [
      'an incident that began as 503s: its category, the last error named apart',
      { failureCategory: 'server_error', lastError: QUOTA },
      {
        category: 'server_error',
        providerCode: 'insufficient_quota',
        cause: 'server_error; last error billing_quota (insufficient_quota): You exceeded your current quota',
      },
    ],
    [
      'nothing recorded: model_error, as before',
      {},
      { category: 'model_error', providerCode: null, statusCode: null, cause: 'model_error' },
    ],
    [
      'values this version does not know fall back instead of failing every job',
      {
        failureCategory: 'cosmic_rays' as never,
        lastError: { category: 'gremlins' as never, reason: null, statusCode: 'x' as never, message: null },
      },
      { category: 'model_error', providerCode: null, statusCode: null, cause: 'model_error' },
    ],
  ])('%s', (_name, patch, expected) => {
    expect(openBreakerOf(health(patch))).toMatchObject(expected);
  });

  it('a key in a stored message is redacted', () => {
    const open = openBreakerOf(
      health({ lastError: { ...QUOTA, message: 'bad key sk-proj-PASTEDKEY0000000000000000' } }),
    );
    expect(open!.cause).not.toContain('PASTEDKEY');
  });
});
