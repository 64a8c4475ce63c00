import type { AlertEvent, Category } from '@faultline/core';
import { QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
const prefix = '{t-failures}';

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = testEnv(redis.url, sim, prefix);
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

const ATTEMPTS = 3;

async function runJob(provider: string, model: string, data: Record<string, unknown> = {}): Promise<Job> {
  const job = await generation.add(
    'generate',
    { provider, model, messages: [{ role: 'user', content: 'hi' }], ...data },
    { attempts: ATTEMPTS, backoff: { type: 'faultline', delay: 10 } },
  );
  await job.waitUntilFinished(events, 20_000).catch(() => {});
  return (await generation.getJob(job.id!))!;
}

async function alertsFor(jobId: string): Promise<AlertEvent[]> {
  const all = await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  return all
    .filter((j) => j.id?.startsWith(`gen-${jobId}-`))
    .map((j) => j.data as AlertEvent)
    .sort((a, b) => a.id.localeCompare(b.id));
}

const openaiError = (
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): SimStep => ({
  kind: 'http',
  status,
  headers,
  body: { error: { message: 'x', type: null, param: null, code: null, ...error } },
});
const anthropicError = (status: number, type: string, message: string): SimStep => ({
  kind: 'http',
  status,
  body: { type: 'error', error: { type, message } },
});

describe('every failed attempt yields exactly one classified AlertEvent; only retryable ones are retried', () => {
  const cases: [string, 'openai' | 'anthropic', SimStep, Category, boolean, number | null][] = [
    [
      'billing: 429 insufficient_quota',
      'openai',
      openaiError(429, {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      }),
      'billing_quota',
      false,
      429,
    ],
    [
      'billing: Anthropic low credit',
      'anthropic',
      anthropicError(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API.',
      ),
      'billing_quota',
      false,
      400,
    ],
    [
      'authentication: 401 invalid key',
      'openai',
      openaiError(401, {
        message: 'Incorrect API key provided: sk-abc***xyz.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
      'authentication',
      false,
      401,
    ],
    [
      'model_error: 404 model_not_found',
      'openai',
      openaiError(404, {
        message: 'The model `gpt-9` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        code: 'model_not_found',
      }),
      'model_error',
      false,
      404,
    ],
    [
      'invalid_request: context too long',
      'openai',
      openaiError(400, {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      }),
      'invalid_request',
      false,
      400,
    ],
    [
      'rate_limit: 429 with retry-after-ms',
      'openai',
      openaiError(
        429,
        {
          message: 'Rate limit reached for requests per min (RPM)',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        { 'retry-after-ms': '30' },
      ),
      'rate_limit',
      true,
      429,
    ],
    [
      'server_error: Anthropic 529 overloaded',
      'anthropic',
      anthropicError(529, 'overloaded_error', 'Overloaded'),
      'server_error',
      true,
      529,
    ],
    ['network_error: connection reset', 'openai', { kind: 'reset' }, 'network_error', true, null],
  ];

  it.each(cases)('%s', async (name, provider, step, category, retried, statusCode) => {
    const model = `m-${name.replace(/\W+/g, '-')}`;
    sim.script(model, step);
    const job = await runJob(provider, model);
    expect(await job.getState()).toBe('failed');
    const published = await alertsFor(job.id!);
    const expectedCount = retried ? ATTEMPTS : 1;
    expect(job.attemptsMade).toBe(expectedCount);
    expect(sim.requests(model)).toHaveLength(expectedCount);
    expect(published.map((e) => e.id)).toEqual(
      Array.from({ length: expectedCount }, (_, i) => `gen-${job.id}-${i + 1}`),
    );
    for (const event of published) {
      expect(event).toMatchObject({
        source: 'generation',
        provider,
        model,
        category,
        isRetryable: retried,
        statusCode,
        state: 'firing',
      });
      expect(event.recommendedActions.length).toBeGreaterThan(0);
    }
  });

  it('a success returns the GenerationResult and publishes nothing', async () => {
    sim.script('m-ok', { kind: 'success', text: 'hello there', usage: { inputTokens: 3, outputTokens: 2 } });
    const job = await runJob('anthropic', 'm-ok');
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({
      text: 'hello there',
      usage: { inputTokens: 3, outputTokens: 2 },
      provider: 'anthropic',
      model: 'm-ok',
    });
    expect(await alertsFor(job.id!)).toEqual([]);
  });

  it('a retryable failure that then succeeds completes with one event per failed attempt', async () => {
    sim.script('m-flaky', [
      anthropicError(500, 'api_error', 'Internal server error'),
      { kind: 'success', text: 'ok' },
    ]);
    const job = await runJob('anthropic', 'm-flaky');
    expect(await job.getState()).toBe('completed');
    expect((await alertsFor(job.id!)).map((e) => e.category)).toEqual(['server_error']);
  });
});

describe('a malformed job fails visibly', () => {
  it.each([
    ['missing messages', { messages: undefined }, /messages/],
    ['bad role', { messages: [{ role: 'robot', content: 'x' }] }, /messages\[0\]\.role/],
    ['unknown provider', { provider: 'nope' }, /unknown provider "nope"/],
  ])(
    '%s: failed with a message naming the field and one invalid_request event',
    async (_name, patch, message) => {
      const job = await runJob((patch as { provider?: string }).provider ?? 'openai', 'm-any', patch);
      expect(await job.getState()).toBe('failed');
      expect(job.failedReason).toMatch(message);
      expect(job.attemptsMade).toBe(1);
      const [event, ...rest] = await alertsFor(job.id!);
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        category: 'invalid_request',
        reason: expect.stringMatching(/invalid_job_payload|unknown_provider/),
      });
      expect(event!.message).toMatch(message);
    },
  );
});

describe('a rate limit slows the worker for that provider', () => {
  it('later jobs for the provider wait out the pause without spending attempts', async () => {
    sim.script('m-limited', [
      {
        kind: 'http',
        status: 429,
        headers: { 'retry-after-ms': '400' },
        body: {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
        },
      },
      { kind: 'success', text: 'ok' },
    ]);
    const first = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-limited', messages: [{ role: 'user', content: 'a' }] },
      { attempts: 3, backoff: { type: 'faultline', delay: 10 } },
    );
    await until('the rate limit to be seen', async () => sim.requests('m-limited').length >= 1);
    const pausedAt = Date.now();
    const second = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-limited', messages: [{ role: 'user', content: 'b' }] },
      { attempts: 1 },
    );
    await Promise.all([first.waitUntilFinished(events, 10_000), second.waitUntilFinished(events, 10_000)]);
    const requests = sim.requests('m-limited');
    expect(requests).toHaveLength(3);
    // No request reached the provider before the retry-after it asked for had passed.
    expect(Math.min(requests[1]!.at, requests[2]!.at) - pausedAt).toBeGreaterThanOrEqual(300);
    expect((await generation.getJob(second.id!))!.attemptsMade).toBe(1);
  });
});
