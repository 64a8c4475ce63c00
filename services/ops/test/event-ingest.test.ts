import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, loadConfig } from '@faultline/runtime';
import {
  pollUntil,
  QUOTA_429,
  type RepoProcess,
  startRepoService,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsConfig } from '../src/config.ts';
import { EVENTS_BODY_MAX_BYTES, EVENTS_PER_REQUEST_MAX } from '../src/event-ingest.ts';
import { startOpsServer } from '../src/ops-server.ts';

const INGEST_TOKEN = 'ingest-token-0000000000000001';
const OPS_TOKEN = 'ops-token-for-ingest-00000001';
const METRICS_TOKEN = 'metrics-token-for-ingest-0001';
/** A key as a provider quotes it back, or a producer pastes it into a message. */
const LEAKED_KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
const prefix = '{t-ops-ingest}';

let redis: TestRedis;
let conn: ReturnType<typeof createRedis>;
let ops: Awaited<ReturnType<typeof startOpsServer>>;
let alerter: RepoProcess;
let alertFile: string;

beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
  const cfg = loadConfig(OpsConfig, {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    OPS_PORT: '0',
    OPS_TOKEN,
    OPS_INGEST_TOKEN: INGEST_TOKEN,
    OPS_METRICS_TOKEN: METRICS_TOKEN,
  });
  ops = await startOpsServer(cfg, pino({ level: 'silent' }));
  alertFile = join(mkdtempSync(join(tmpdir(), 'faultline-ingest-')), 'alerts.log');
  // The real alerter, as its own process, writing what a person reads to the alert file.
  alerter = await startRepoService(
    'services/alerter-worker/src/main.ts',
    {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      ALERT_FILE_PATH: alertFile,
      ALERT_GROUP_WAIT: '300ms',
      ALERTER_HEALTH_PORT: '0',
      ALERT_TO_EMAILS: 'oncall@example.com',
      ALERT_FROM_EMAIL: 'faultline@example.com',
      MAILBOX_DIR: join(alertFile, '..', 'mail'),
      LOG_FORMAT: 'json',
    },
    'alerter worker ready',
  );
});

afterAll(async () => {
  if (alerter && alerter.child.exitCode === null) {
    alerter.child.kill('SIGTERM');
    await alerter.exited;
  }
  await ops?.close();
  conn?.disconnect();
  await redis?.close();
});

const post = (body: unknown, auth: string | null = `Bearer ${INGEST_TOKEN}`) =>
  fetch(`${ops.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const readAlerts = () => {
  try {
    return readFileSync(alertFile, 'utf8');
  } catch {
    return '';
  }
};

/** Everything Faultline keeps in Redis under its prefix, as one text. */
async function redisText(): Promise<string> {
  const keys = await conn.keys(`${prefix}*`);
  const parts = await Promise.all(
    keys.map(async (k) => {
      const type = await conn.type(k);
      if (type === 'string') return conn.get(k);
      if (type === 'hash') return JSON.stringify(await conn.hgetall(k));
      if (type === 'list') return JSON.stringify(await conn.lrange(k, 0, -1));
      if (type === 'zset') return JSON.stringify(await conn.zrange(k, 0, -1));
      if (type === 'set') return JSON.stringify(await conn.smembers(k));
      if (type === 'stream') return JSON.stringify(await conn.xrange(k, '-', '+'));
      return '';
    }),
  );
  return parts.join('\n');
}

describe('POST /api/events: a raw provider answer becomes an alert', () => {
  it('a 429 insufficient_quota posted as received reaches the alert file as a billing alert', async () => {
    const res = await post({
      provider: 'openai',
      model: 'gpt-ingest-quota',
      status: 429,
      body: (QUOTA_429 as { body: unknown }).body,
      headers: { 'x-request-id': 'req_ingest_1' },
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { accepted: number; ids: string[] };
    expect(answer.accepted).toBe(1);
    expect(answer.ids[0]).toMatch(/^ingest-/);
    await pollUntil(
      'the billing alert in the alert file',
      () => readAlerts().includes('Model: gpt-ingest-quota'),
      {
        timeoutMs: 20_000,
      },
    );
    const entry = readAlerts();
    expect(entry).toMatch(/ALERT: BILLING_QUOTA\nSeverity: CRITICAL\nProvider: openai\n/);
    expect(entry).toContain('Status: 429 (insufficient_quota)');
  });

  it('an AlertEvent, or an array of them, is published as sent, with any key in it redacted', async () => {
    const event = {
      id: 'producer-ev-1',
      occurredAt: new Date().toISOString(),
      source: 'generation',
      operation: 'chat.completion',
      category: 'authentication',
      severity: 'CRITICAL',
      isRetryable: false,
      provider: 'acme',
      model: 'acme-large',
      gateway: null,
      statusCode: 401,
      providerCode: 'invalid_api_key',
      reason: 'invalid_api_key',
      retryAfterMs: null,
      requestId: null,
      originalError: 'AuthenticationError',
      message: `Incorrect API key provided: ${LEAKED_KEY}`,
      recommendedActions: ['Rotate the key'],
    };
    const raw = {
      provider: 'acme',
      model: 'acme-small',
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${LEAKED_KEY}`, code: 'invalid_api_key' } },
    };
    const res = await post([event, raw]);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { ids: string[] }).ids[0]).toBe('producer-ev-1');
    await pollUntil('the authentication alert', () => readAlerts().includes('Provider: acme'), {
      timeoutMs: 20_000,
    });
    // Posting the same event again adds nothing: its id is its dedup key.
    expect((await post(event)).status).toBe(202);
    expect(readAlerts()).not.toContain(LEAKED_KEY);
    expect(await redisText()).not.toContain(LEAKED_KEY);
  });
});

describe('POST /api/events refuses what it cannot take, naming the field', () => {
  it.each([
    [
      'a bad category in an array',
      [{ provider: 'openai', status: 429, body: {} }, { category: 'nope' }],
      /events\[1\]\.category: /,
    ],
    [
      'a status that is not HTTP',
      { provider: 'openai', status: 42, body: {} },
      /^status: expected an HTTP status/,
    ],
    ['a raw answer without provider', { status: 500, body: 'oops' }, /^provider: /],
    [
      'an unknown field',
      { provider: 'openai', status: 500, body: {}, apiKey: LEAKED_KEY },
      /^apiKey: unknown field/,
    ],
    ['a string', '"hello"', /^\(body\): /],
    [
      'too many events',
      Array.from({ length: EVENTS_PER_REQUEST_MAX + 1 }, () => ({})),
      /^events: expected 1 to /,
    ],
  ] as const)('%s → 400', async (_what, body, error) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(error);
  });

  it('a body that is not JSON → 400; a body over the limit → 413', async () => {
    const broken = await post('{"provider": ');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toBe('body is not JSON');
    const huge = await post({ provider: 'openai', status: 500, body: 'x'.repeat(EVENTS_BODY_MAX_BYTES) });
    expect(huge.status).toBe(413);
  });

  it.each([
    ['no credentials', null],
    ['a wrong token', 'Bearer wrong-token-000000000000'],
    ['the metrics token, which reads only', `Bearer ${METRICS_TOKEN}`],
  ])('%s → 401, and nothing is published', async (_what, auth) => {
    const res = await post({ provider: 'openai', model: 'gpt-ingest-401', status: 500, body: 'x' }, auth);
    expect(res.status).toBe(401);
    expect(await redisText()).not.toContain('gpt-ingest-401');
  });

  it('the ingest token reads nothing; the dashboard token may post', async () => {
    const read = await fetch(`${ops.url}/api/alerts/groups`, {
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
    });
    expect(read.status).toBe(401);
    const res = await post({ provider: 'openai', status: 503, body: 'overloaded' }, `Bearer ${OPS_TOKEN}`);
    expect(res.status).toBe(202);
  });
});

describe('POST /api/events without any credentials configured', () => {
  it('is closed, even on loopback', async () => {
    const open = await startOpsServer(
      loadConfig(OpsConfig, { REDIS_URL: redis.url, QUEUE_PREFIX: '{t-ops-ingest-open}', OPS_PORT: '0' }),
      pino({ level: 'silent' }),
    );
    try {
      const res = await fetch(`${open.url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'openai', status: 500, body: 'x' }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toContain('OPS_INGEST_TOKEN');
    } finally {
      await open.close();
    }
  });
});
