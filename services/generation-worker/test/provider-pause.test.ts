import { createRedis, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerPause } from '../src/provider-pause.ts';

let redis: TestRedis;
let conn: Redis;
let other: Redis;
beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
  other = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  other?.disconnect();
  await redis?.close();
});

const pttlCalls = async () =>
  Number(/cmdstat_pttl:calls=(\d+)/.exec(await conn.info('commandstats'))?.[1] ?? 0);
let n = 0;

describe('a rate-limited provider is paused for every worker process', () => {
  it('jobs asking at once share one read of Redis', async () => {
    const pauses = providerPause(conn, redisKeys(`{t-pause-${n++}}`));
    const before = await pttlCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => pauses.remainingMs('openai')));
    expect(answers).toEqual(Array(50).fill(0));
    expect((await pttlCalls()) - before).toBe(1);
  });

  it('a pause set by another process is seen once the local view is stale', async () => {
    const keys = redisKeys(`{t-pause-${n++}}`);
    const here = providerPause(conn, keys);
    const there = providerPause(other, keys);
    expect(await here.remainingMs('groq')).toBe(0);
    await there.pause('groq', 5000);
    await new Promise((r) => setTimeout(r, 150));
    const left = await here.remainingMs('groq');
    expect(left).toBeGreaterThan(4000);
    expect(left).toBeLessThanOrEqual(5000);
  });

  it('a shorter pause never cuts a longer one', async () => {
    const pauses = providerPause(conn, redisKeys(`{t-pause-${n++}}`));
    await pauses.pause('openai', 5000);
    await pauses.pause('openai', 100);
    expect(await pauses.remainingMs('openai')).toBeGreaterThan(4000);
  });
});
