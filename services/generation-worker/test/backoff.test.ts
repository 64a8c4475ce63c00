import type { AlertEvent } from '@faultline/core';
import { QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type BackoffOptions, type Job, Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationEventId } from '../src/event-id.ts';
import { RetryableGenerationError } from '../src/processor.ts';
import { retryDelayForJob, startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
const prefix = '{t-backoff}';

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  // A base of 20 ms, so any wait measured here in seconds came from retry-after or the job's own delay.
  const env = { ...testEnv(redis.url, sim, prefix), GENERATION_BACKOFF_MAX: '10s' };
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  events = new QueueEvents(QUEUES.generation, { connection, prefix });
  await Promise.all([worker.worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([generation?.close(), alerts?.close(), events?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
});

/** Fails once as scripted, then succeeds; returns the finished job and when its first attempt failed. */
async function failOnceThenSucceed(
  model: string,
  failure: SimStep,
  backoff: BackoffOptions,
): Promise<{ job: Job; failedAt: number }> {
  sim.script(model, [failure, { kind: 'success', text: 'ok' }]);
  const added = await generation.add(
    'generate',
    { provider: 'openai', model, messages: [{ role: 'user', content: 'hi' }] },
    { attempts: 3, backoff },
  );
  await added.waitUntilFinished(events, 20_000);
  const job = (await generation.getJob(added.id!))!;
  const first = (await alerts.getJob(generationEventId(job, 1)))!.data as AlertEvent;
  return { job, failedAt: Date.parse(first.occurredAt) };
}

describe("the retry waits at least the provider's retry-after", () => {
  it.each([
    [
      'a rate limit (429 retry-after-ms: 1500)',
      {
        kind: 'http',
        status: 429,
        headers: { 'retry-after-ms': '1500' },
        body: { error: { message: 'Rate limit reached for requests', code: 'rate_limit_exceeded' } },
      },
    ],
    // No rate limit, so no provider pause: only the backoff itself can hold the retry back.
    [
      'a server error (503 retry-after-ms: 1500)',
      {
        kind: 'http',
        status: 503,
        headers: { 'retry-after-ms': '1500' },
        body: { error: { message: 'Service Unavailable' } },
      },
    ],
  ] as [string, SimStep][])('%s', async (name, failure) => {
    const model = `m-ra-${name.replace(/\W+/g, '-')}`;
    const { job, failedAt } = await failOnceThenSucceed(model, failure, { type: 'faultline', delay: 10 });
    expect(await job.getState()).toBe('completed');
    // One failed attempt, then the one that succeeded.
    expect(job.attemptsMade).toBe(2);
    expect(job.processedOn! - failedAt).toBeGreaterThanOrEqual(1500);
    const [firstCall, secondCall] = sim.requests(model);
    expect(secondCall!.at - firstCall!.at).toBeGreaterThanOrEqual(1500);
  });
});

describe("the job's backoff.delay is the backoff base", () => {
  it('a job with backoff { delay: 2000 } waits at least half of it (the jitter floor), not the worker base', async () => {
    const { job, failedAt } = await failOnceThenSucceed(
      'm-own-delay',
      { kind: 'http', status: 500, body: { error: { message: 'Internal server error' } } },
      { type: 'faultline', delay: 2000 },
    );
    expect(await job.getState()).toBe('completed');
    expect(job.processedOn! - failedAt).toBeGreaterThanOrEqual(1000);
  });

  const cfg = { GENERATION_BACKOFF_BASE: 1000, GENERATION_BACKOFF_MAX: 60_000 };
  const failure = new RetryableGenerationError('server_error: x', null);
  it.each([
    // [backoff on the job, attemptsMade, lowest, highest]
    ['delay 4000, first retry', { type: 'faultline', delay: 4000 }, 1, 2000, 4000],
    ['delay 4000, third retry', { type: 'faultline', delay: 4000 }, 3, 8000, 16_000],
    ['delay 0: retry at once', { type: 'faultline', delay: 0 }, 2, 0, 0],
    ['no delay: GENERATION_BACKOFF_BASE', { type: 'faultline' }, 1, 500, 1000],
    ['delay above the cap: GENERATION_BACKOFF_MAX', { type: 'faultline', delay: 100_000 }, 1, 30_000, 60_000],
  ] as [string, BackoffOptions, number, number, number][])('%s', (_name, backoff, attemptsMade, lo, hi) => {
    for (let i = 0; i < 50; i++) {
      const ms = retryDelayForJob(attemptsMade, failure, { opts: { backoff } }, cfg);
      expect(ms).toBeGreaterThanOrEqual(lo);
      expect(ms).toBeLessThanOrEqual(hi);
    }
  });

  it("a provider's retry-after still wins over a shorter job delay", () => {
    const limited = new RetryableGenerationError('rate_limit: x', 5000);
    const ms = retryDelayForJob(1, limited, { opts: { backoff: { type: 'faultline', delay: 10 } } }, cfg);
    expect(ms).toBeGreaterThanOrEqual(5000);
  });
});
