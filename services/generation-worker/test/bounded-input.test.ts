import { createGenerationClient } from '@faultline/client';
import { type AlertEvent, ContractError } from '@faultline/core';
import { createRedis, QUEUES, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationConfig } from '../src/config.ts';
import { generationEventId } from '../src/event-id.ts';
import { INVALID_PROVIDER } from '../src/invalid-job.ts';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv } from './support.ts';

const MiB = 1_048_576;
let redis: TestRedis;
let sim: ProviderSimulator;
let conn: Redis;
let worker: ReturnType<typeof startGenerationWorker>;
let client: ReturnType<typeof createGenerationClient>;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
const prefix = '{t-bounded}';

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = {
    ...testEnv(redis.url, sim, prefix),
    PROVIDER_RESPONSE_MAX_BYTES: String(64 * 1024),
    RETRY_AFTER_MAX: '1s',
    RATE_LIMIT_PAUSE: '10ms',
    // A 20 MB job takes a while to fetch and parse on a loaded machine: not a stall.
    GENERATION_LOCK_DURATION: '20s',
    ALERT_EVENTS_KEPT: '5000',
  };
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  client = createGenerationClient({ redisUrl: redis.url, prefix });
  conn = createRedis(redis.url);
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  events = new QueueEvents(QUEUES.generation, { connection, prefix });
  await Promise.all([worker.worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await client?.close();
  await worker?.close(1000);
  await Promise.all([generation?.close(), alerts?.close(), events?.close()]);
  conn?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

async function finished(added: Job): Promise<Job> {
  await added.waitUntilFinished(events, 20_000).catch(() => null);
  return (await generation.getJob(added.id!))!;
}
const eventOf = async (job: Job, attempt = 1) =>
  (await alerts.getJob(generationEventId(job, attempt)))?.data as AlertEvent | undefined;

describe('a 20 MB prompt', () => {
  const huge = { role: 'user' as const, content: 'x'.repeat(20 * MiB) };

  it('is refused at enqueue by @faultline/client, naming the field, and never reaches Redis', async () => {
    const before = await client.queue.count();
    const attempt = client.enqueueGeneration({ provider: 'openai', model: 'm-huge', messages: [huge] });
    await expect(attempt).rejects.toBeInstanceOf(ContractError);
    await expect(attempt).rejects.toThrow(
      /messages: the contents total 20971520 bytes, over the 1048576-byte/,
    );
    expect(await client.queue.count()).toBe(before);
  });

  it('added by another producer, fails once as invalid_request and is kept without its contents', async () => {
    const added = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-huge', runId: 'run-huge', messages: [huge] },
      { attempts: 3 },
    );
    const job = await finished(added);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/invalid_request: .*messages: the contents total 20971520 bytes/);
    const event = await eventOf(job);
    expect(event).toMatchObject({ category: 'invalid_request', provider: 'openai', model: 'm-huge' });
    // What stays in the failed set (for a week) is a summary: no copy of the prompt.
    const stored = await conn.hget(`${prefix}:${QUEUES.generation}:${job.id}`, 'data');
    expect(stored!.length).toBeLessThan(1024);
    expect(JSON.parse(stored!)).toMatchObject({
      provider: 'openai',
      model: 'm-huge',
      runId: 'run-huge',
      dropped: expect.stringMatching(/its messages 20971520 bytes \(PROMPT_MAX_BYTES is 1048576\)/),
    });
  });

  it('a small invalid job is kept as it was sent, for the producer to see', async () => {
    const data = { provider: 'openai', model: 'm-small', messages: [{ role: 'robot', content: 'x' }] };
    const job = await finished(await generation.add('generate', data));
    expect(await job.getState()).toBe('failed');
    expect(job.data).toEqual(data);
  });

  it('PROMPT_MAX_BYTES sets the limit, 1 MiB by default', () => {
    expect(GenerationConfig.parse({}).PROMPT_MAX_BYTES).toBe(MiB);
    expect(GenerationConfig.parse({ PROMPT_MAX_BYTES: '2048' }).PROMPT_MAX_BYTES).toBe(2048);
  });
});

describe('an invalid job names no new provider label or alert group', () => {
  it.each([
    ['an unknown provider', { provider: 'opnai-typo-1234' }, INVALID_PROVIDER],
    ['a provider name over 64 characters', { provider: 'p'.repeat(65) }, INVALID_PROVIDER],
    ['a configured provider, with a bad message', { messages: [] }, 'openai'],
  ])('%s is alerted as provider %s', async (_name, patch, provider) => {
    const data = {
      provider: 'openai',
      model: 'm-label',
      messages: [{ role: 'user', content: 'x' }],
      ...patch,
    };
    const job = await finished(await generation.add('generate', data));
    expect(await eventOf(job)).toMatchObject({ category: 'invalid_request', provider });
  });
});

describe('a provider answer over PROVIDER_RESPONSE_MAX_BYTES', () => {
  it('fails the attempt as a server error (response_too_large), not an OOM-killed worker', async () => {
    sim.script('m-huge-answer', { kind: 'http', status: 200, body: 'y'.repeat(2 * MiB) });
    const added = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-huge-answer', messages: [{ role: 'user', content: 'hi' }] },
      { attempts: 1 },
    );
    const job = await finished(added);
    expect(await job.getState()).toBe('failed');
    expect(await eventOf(job)).toMatchObject({
      category: 'server_error',
      statusCode: 502,
      providerCode: 'response_too_large',
      message: expect.stringMatching(/over PROVIDER_RESPONSE_MAX_BYTES \(65536 bytes/),
    });
  });
});

describe("a provider's retry-after is capped by RETRY_AFTER_MAX", () => {
  // Half an hour: an hour or more reads as a daily quota (billing_quota), which is not retried at all.
  it('a 429 asking for 30 min pauses the provider and holds the retry for RETRY_AFTER_MAX (1 s here)', async () => {
    sim.script('m-daily', [
      {
        kind: 'http',
        status: 429,
        headers: { 'retry-after': '1800' },
        body: { error: { message: 'Rate limit reached for requests', code: 'rate_limit_exceeded' } },
      },
      { kind: 'success', text: 'ok' },
    ]);
    const added = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-daily', messages: [{ role: 'user', content: 'hi' }] },
      { attempts: 3, backoff: { type: 'faultline', delay: 10 } },
    );
    const pause = redisKeys(prefix).providerPause('openai');
    let pttl = -2;
    for (let i = 0; i < 200 && pttl < 0; i++) {
      pttl = await conn.pttl(pause);
      if (pttl < 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
    const job = await finished(added);
    expect(await job.getState()).toBe('completed');
    expect(job.finishedOn! - job.timestamp).toBeLessThan(10_000);
    // The event still says what the provider asked for.
    expect(await eventOf(job)).toMatchObject({ category: 'rate_limit', retryAfterMs: 1_800_000 });
  });

  it('RETRY_AFTER_MAX is 10 minutes by default', () => {
    expect(GenerationConfig.parse({}).RETRY_AFTER_MAX).toBe(600_000);
  });
});

describe('ALERT_EVENTS_KEPT bounds the completed alert events, the largest set an outage fills', () => {
  it('each event is published to be kept a day and at most ALERT_EVENTS_KEPT of them (100,000 by default)', async () => {
    sim.script('m-kept', { kind: 'http', status: 500, body: { error: { message: 'boom' } } });
    const job = await finished(
      await generation.add(
        'generate',
        { provider: 'openai', model: 'm-kept', messages: [{ role: 'user', content: 'hi' }] },
        { attempts: 1 },
      ),
    );
    const stored = await alerts.getJob(generationEventId(job, 1));
    expect(stored?.opts.removeOnComplete).toEqual({ age: 86_400, count: 5000 });
    expect(GenerationConfig.parse({}).ALERT_EVENTS_KEPT).toBe(100_000);
  });
});
