import { type ClassifiedError, classifyError } from '@faultline/core';
import {
  createRedis,
  loadConfig,
  redisKeys,
  type UnknownSignatureRow,
  unknownSignatures,
} from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsConfig } from '../src/config.ts';
import { startOpsServer } from '../src/ops-server.ts';

const TOKEN = 'ops-token-for-unknowns-0001';
const prefix = '{t-ops-unknowns}';
let redis: TestRedis;
let conn: ReturnType<typeof createRedis>;
let ops: Awaited<ReturnType<typeof startOpsServer>>;

const unknown = (message: string, over: Partial<ClassifiedError> = {}): ClassifiedError => ({
  ...classifyError(new Error(message), { provider: 'acme' }),
  ...over,
});

beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
  const cfg = loadConfig(OpsConfig, {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    OPS_PORT: '0',
    OPS_TOKEN: TOKEN,
  });
  ops = await startOpsServer(cfg, pino({ level: 'silent' }));
  const store = unknownSignatures(conn, redisKeys(prefix));
  for (let i = 0; i < 4; i++)
    await store.record(unknown(`Wallet W-${i} is empty; key sk-proj-abcdefghijklmnop${i}qrst`));
  await store.record(unknown('Error', { statusCode: 400, providerCode: 'acme_mystery' }));
});

afterAll(async () => {
  await ops?.close();
  conn?.disconnect();
  await redis?.close();
});

const get = (path: string, auth = `Bearer ${TOKEN}`) =>
  fetch(`${ops.url}${path}`, { headers: { authorization: auth } });

describe('GET /api/classifier/unknowns', () => {
  it('lists each signature with count, first and last seen and a redacted sample, the most frequent first', async () => {
    const res = await get('/api/classifier/unknowns');
    expect(res.status).toBe(200);
    const rows = (await res.json()) as UnknownSignatureRow[];
    expect(rows.map((r) => [r.provider, r.status, r.code, r.count])).toEqual([
      ['acme', null, null, 4],
      ['acme', 400, 'acme_mystery', 1],
    ]);
    expect(rows[0]).toMatchObject({
      shape: expect.stringMatching(/^wallet <id> is empty; key \[redacted[^\]]*\]$/),
      sample: expect.stringMatching(/^Wallet W-3 is empty; key \[redacted[^\]]*\]$/),
      firstSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('?limit=N gives the N most frequent', async () => {
    const rows = (await (await get('/api/classifier/unknowns?limit=1')).json()) as UnknownSignatureRow[];
    expect(rows.map((r) => r.count)).toEqual([4]);
  });

  it('needs the credentials, like every API but /health', async () => {
    expect((await get('/api/classifier/unknowns', 'Bearer wrong-token-xxxxxxxxxxxx')).status).toBe(401);
  });
});
