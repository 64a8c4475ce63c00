import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent } from '@faultline/core';
import { createRedis, QUEUES, redisKeys, unknownSignatures } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { runProcess, silentLogger, testConfig, testEnv } from './support.ts';

// Issue 15, requirements 4 and 5 through the worker: the operator's rules decide before the built-ins,
// and what neither places is counted per signature for `faultline classify --unknowns`.

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
let reader: Redis;
let dir: string;
const prefix = '{t-operator-rules}';

const RULES = `rules:
  # An OpenAI-compatible gateway whose only hint of an empty wallet is its own code.
  - name: acme-wallet
    match:
      provider: ^openai$
      code: ^acme_wallet_empty$
    set:
      category: billing_quota
      reason: wallet_empty
`;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  dir = mkdtempSync(join(tmpdir(), 'faultline-operator-rules-'));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, RULES);
  const env = { ...testEnv(redis.url, sim, prefix), FAULTLINE_CLASSIFIER_RULES: rules };
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  events = new QueueEvents(QUEUES.generation, { connection, prefix });
  reader = createRedis(redis.url);
  await Promise.all([worker.worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await worker?.close(1000);
  reader?.disconnect();
  await Promise.all([generation?.close(), alerts?.close(), events?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runJob(model: string): Promise<Job> {
  const job = await generation.add(
    'generate',
    { provider: 'openai', model, messages: [{ role: 'user', content: 'hi' }] },
    { attempts: 1 },
  );
  await job.waitUntilFinished(events, 20_000).catch(() => {});
  return (await generation.getJob(job.id!))!;
}

async function eventOf(job: Job): Promise<AlertEvent> {
  const published = await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  const event = published.find((j) => j.id?.startsWith(`gen-${job.id}-`));
  expect(event, `no event for job ${job.id}`).toBeDefined();
  return event!.data as AlertEvent;
}

const http = (status: number, body: unknown): SimStep => ({ kind: 'http', status, body });
/** An opaque 400: nothing but the gateway's own code says what is wrong. */
const WALLET = http(400, { error: { message: 'Error', type: null, param: null, code: 'acme_wallet_empty' } });
/** A 200 whose JSON was cut off: the SDK throws a SyntaxError no rule places. */
const TRUNCATED: SimStep = {
  kind: 'http',
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"id":"chatcmpl-1","choices":[',
};
const OPAQUE = http(400, { error: { message: 'Error', type: null, param: null, code: 'acme_mystery_1234' } });

const unknowns = () => unknownSignatures(reader, redisKeys(prefix)).list();

describe('an operator rule turns an error the built-ins call unknown into what it is', () => {
  it('billing_quota, CRITICAL, not retried, named for the rule, and not counted as unknown', async () => {
    sim.script('m-wallet', WALLET);
    const job = await runJob('m-wallet');
    expect(job.failedReason).toMatch(/^billing_quota: /);
    expect(await eventOf(job)).toMatchObject({
      category: 'billing_quota',
      reason: 'wallet_empty',
      severity: 'CRITICAL',
      isRetryable: false,
      providerCode: 'acme_wallet_empty',
    });
    expect((await unknowns()).filter((u) => u.code === 'acme_wallet_empty')).toEqual([]);
  });
});

describe('errors the classifier cannot place are counted per signature', () => {
  it('N failures of one kind are one signature with count N, beside another kind', async () => {
    sim.script('m-truncated', TRUNCATED);
    sim.script('m-opaque', OPAQUE);
    for (let i = 0; i < 3; i++) await runJob('m-truncated');
    for (let i = 0; i < 2; i++) await runJob('m-opaque');
    const rows = await unknowns();
    expect(
      rows.map((r) => ({ provider: r.provider, status: r.status, code: r.code, count: r.count })),
    ).toEqual([
      { provider: 'openai', status: null, code: null, count: 3 },
      { provider: 'openai', status: 400, code: 'acme_mystery_1234', count: 2 },
    ]);
    expect(rows[0]).toMatchObject({ category: 'unknown', sample: expect.stringMatching(/JSON/) });
    expect(Date.parse(rows[0]!.firstSeen)).toBeLessThanOrEqual(Date.parse(rows[0]!.lastSeen));
  });
});

describe('a bad rules file stops the worker at start-up', () => {
  it('exit 3, naming the variable, the rule by index and name, and the field', async () => {
    const bad = join(dir, 'bad-rules.yaml');
    writeFileSync(
      bad,
      `${RULES}  - name: acme-typo\n    match: { message: 'wallet' }\n    set: { category: billing, reason: wallet_empty }\n`,
    );
    const proc = runProcess(['services/generation-worker/src/main.ts'], {
      ...testEnv(redis.url, sim, '{t-bad-rules}'),
      FAULTLINE_CLASSIFIER_RULES: bad,
    });
    expect(await proc.exited).toBe(3);
    expect(proc.output()).toMatch(
      /FAULTLINE_CLASSIFIER_RULES: .*bad-rules\.yaml: rules\[1\] \(acme-typo\): set\.category: .*billing_quota/,
    );
  }, 60_000);
});
