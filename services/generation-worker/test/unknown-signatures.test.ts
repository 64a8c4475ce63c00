import { type ClassifiedError, classifyError } from '@faultline/core';
import { createRedis, redisKeys, unknownSignatures } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The counter the generation worker feeds (processor.ts), on a real Redis: counts, bounds, age.
let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startTestRedis();
  redis = createRedis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

const unknown = (message: string, over: Partial<ClassifiedError> = {}): ClassifiedError => ({
  ...classifyError(new Error(message), { provider: 'acme' }),
  ...over,
});
let prefixes = 0;
const store = (limits?: { cap?: number; ttlMs?: number }) =>
  unknownSignatures(redis, redisKeys(`{t-unknowns-${++prefixes}}`), limits);

describe('unknown errors are counted per signature in Redis', () => {
  it('lists each signature with its count, first and last seen and a redacted sample, the most frequent first', async () => {
    const s = store();
    const t0 = Date.parse('2025-03-01T10:00:00Z');
    for (let i = 0; i < 5; i++) await s.record(unknown(`Wallet W-${i} is empty`), t0 + i * 1000);
    await s.record(unknown('Unexpected end of JSON input', { statusCode: 502 }), t0 + 500);
    await s.record(unknown('Gateway says no; key sk-proj-abcdefghijklmnopqrst'), t0 + 9000);
    const rows = await s.list();
    expect(rows.map((r) => [r.shape, r.count])).toEqual([
      ['wallet <id> is empty', 5],
      [expect.stringMatching(/^gateway says no; key \[redacted[^\]]*\]$/), 1],
      ['unexpected end of json input', 1],
    ]);
    expect(rows[0]).toMatchObject({
      provider: 'acme',
      status: null,
      code: null,
      category: 'unknown',
      reason: 'unrecognized',
      firstSeen: '2025-03-01T10:00:00.000Z',
      lastSeen: '2025-03-01T10:00:04.000Z',
      sample: 'Wallet W-4 is empty',
    });
    expect(rows[2]!.status).toBe(502);
    expect(rows[1]!.sample).toMatch(/^Gateway says no; key \[redacted[^\]]*\]$/);
    expect(
      JSON.stringify(await redis.hgetall(redisKeys(`{t-unknowns-${prefixes}}`).unknownSignatureDetails())),
    ).not.toContain('sk-proj');
  });

  it('keeps at most `cap` signatures, forgetting the least recently seen', async () => {
    const s = store({ cap: 5 });
    const t0 = Date.now();
    // "a" is seen first and again after the set is full: it outlives b to e, seen once each.
    for (const k of 'abcde') await s.record(unknown(`error kind ${k}`), t0 + k.charCodeAt(0));
    await s.record(unknown('error kind a'), t0 + 200);
    for (const k of 'fghi') await s.record(unknown(`error kind ${k}`), t0 + 200 + k.charCodeAt(0));
    const rows = await s.list();
    expect(rows.map((r) => [r.shape.slice(-1), r.count])).toEqual([
      ['a', 2],
      ['i', 1],
      ['h', 1],
      ['g', 1],
      ['f', 1],
    ]);
    const keys = redisKeys(`{t-unknowns-${prefixes}}`);
    expect(await redis.zcard(keys.unknownSignatures())).toBe(5);
    expect(await redis.hlen(keys.unknownSignatureDetails())).toBe(5 * 4);
  });

  it('a signature counted in the same millisecond as the oldest is kept over it', async () => {
    const s = store({ cap: 2 });
    for (const m of ['zzz one', 'zzz two', 'aaa three']) await s.record(unknown(m), 1_000);
    expect((await s.list()).map((r) => r.shape)).toContain('aaa three');
    expect(await s.list()).toHaveLength(2);
  });

  it('forgets a signature not seen for the ttl, and the keys expire when nothing new comes', async () => {
    const s = store({ ttlMs: 60_000 });
    const t0 = Date.now();
    await s.record(unknown('old news'), t0 - 120_000);
    await s.record(unknown('fresh'), t0);
    expect((await s.list()).map((r) => r.shape)).toEqual(['fresh']);
    const ttl = await redis.pttl(redisKeys(`{t-unknowns-${prefixes}}`).unknownSignatures());
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('counts every replica’s errors in one set, atomically', async () => {
    const s = store();
    const other = unknownSignatures(redis, redisKeys(`{t-unknowns-${prefixes}}`));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? s : other).record(unknown(`burst ${i}`))),
    );
    expect(await s.list()).toEqual([expect.objectContaining({ shape: 'burst <n>', count: 50 })]);
  });
});
