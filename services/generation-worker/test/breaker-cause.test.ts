import { createGenerationClient } from '@faultline/client';
import { AlertEvent, type Category, type LastError, modelKey, TAXONOMY } from '@faultline/core';
import { createRedis, modelHealthStore, QUEUES, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationEventId } from '../src/event-id.ts';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let conn: Redis;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
const prefix = '{t-breaker-cause}';
const keys = redisKeys(prefix);

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  // Long, so a refusal that wrongly paused its provider would show as a pause key still there.
  const env = { ...testEnv(redis.url, sim, prefix), RATE_LIMIT_PAUSE: '30s' };
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  conn = createRedis(redis.url);
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  events = new QueueEvents(QUEUES.generation, { connection, prefix });
  await Promise.all([worker.worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([generation?.close(), alerts?.close(), events?.close()]);
  conn?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

/** The model's health as the health-probe worker leaves it once its probes opened the breaker. */
async function openBreaker(provider: string, model: string, failureCategory: Category, lastError: LastError) {
  await modelHealthStore(conn, keys).update(modelKey(provider, model), (h) => ({
    state: {
      ...h,
      breaker: 'open',
      openedAt: Date.now(),
      downSince: Date.now(),
      consecutiveFailures: 3,
      errorCount: 3,
      lastFailure: Date.now(),
      failureCategory,
      lastError,
    },
    result: null,
  }));
  // The model answers: a job that got through would succeed, so only the breaker can fail it.
  sim.script(model, { kind: 'success', text: 'hello' });
}

async function runJob(provider: string, model: string): Promise<Job> {
  const job = await generation.add(
    'generate',
    { provider, model, messages: [{ role: 'user', content: 'hi' }] },
    { attempts: 3, backoff: { type: 'faultline', delay: 10 } },
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

const QUOTA: LastError = {
  category: 'billing_quota',
  reason: 'insufficient_quota',
  statusCode: 429,
  message: 'You exceeded your current quota, please check your plan and billing details.',
};

describe('a job refused by an open breaker fails as what opened it, without a call', () => {
  it.each<[string, string, Category, LastError, 'CRITICAL' | 'MEDIUM', string]>([
    [
      'out of credit: billing_quota, CRITICAL',
      'openai',
      'billing_quota',
      QUOTA,
      'CRITICAL',
      'billing_quota (insufficient_quota): You exceeded your current quota, please check your plan and billing details.',
    ],
    [
      'a revoked key: authentication, CRITICAL',
      'openai',
      'authentication',
      {
        category: 'authentication',
        reason: 'invalid_api_key',
        statusCode: 401,
        message: 'Incorrect API key provided: sk-abc***xyz.',
      },
      'CRITICAL',
      'authentication (invalid_api_key): Incorrect API key provided: sk-abc***xyz.',
    ],
    [
      'an overloaded server: server_error, not retried',
      'anthropic',
      'server_error',
      { category: 'server_error', reason: 'overloaded', statusCode: 529, message: 'Overloaded' },
      'MEDIUM',
      'server_error (overloaded): Overloaded',
    ],
  ])('%s', async (name, provider, category, lastError, severity, cause) => {
    const model = `m-open-${name.replace(/\W+/g, '-')}`;
    await openBreaker(provider, model, category, lastError);
    const job = await runJob(provider, model);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toBe(
      `${category}: circuit breaker open for ${provider}/${model} after ${cause}; the call was not made`,
    );
    expect(job.attemptsMade).toBe(1);
    expect(sim.requests(model)).toEqual([]);
    const [event, ...rest] = await alertsFor(job.id!);
    expect(rest).toEqual([]);
    expect(AlertEvent.safeParse(event).error?.issues ?? []).toEqual([]);
    expect(event).toMatchObject({
      id: generationEventId(job, 1),
      source: 'generation',
      operation: 'chat.completion',
      provider,
      model,
      category,
      severity,
      reason: 'circuit_open',
      providerCode: lastError.reason,
      statusCode: lastError.statusCode,
      isRetryable: false,
      originalError: 'CircuitOpen',
      message: job.failedReason.slice(`${category}: `.length),
    });
    expect(event!.recommendedActions).toEqual(expect.arrayContaining(TAXONOMY[category].actions(provider)));
  });

  it('the run summary counts the cause: billing_quota, critical', async () => {
    await openBreaker('openai', 'm-open-run', 'billing_quota', QUOTA);
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    try {
      const job = {
        provider: 'openai',
        model: 'm-open-run',
        messages: [{ role: 'user' as const, content: 'hi' }],
      };
      const runId = await client.enqueueRun([job, job, job]);
      const summary = await until('the run to finish', async () => {
        const s = await client.runSummary(runId);
        return s.pending === 0 && s;
      });
      expect(summary).toMatchObject({ total: 3, succeeded: 0, failed: 3 });
      expect(summary.error_classification).toEqual({
        by_category: { billing_quota: 3 },
        by_severity: { critical: 3 },
        critical_errors: 3,
        total_classified_errors: 3,
      });
      expect(sim.requests('m-open-run')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a breaker opened by rate limits refuses as rate_limit but does not pause the provider', async () => {
    await openBreaker('anthropic', 'm-open-limited', 'rate_limit', {
      category: 'rate_limit',
      reason: 'rpm_limit',
      statusCode: 429,
      message: 'Number of requests has exceeded your rate limit',
    });
    const refused = await runJob('anthropic', 'm-open-limited');
    expect(refused.failedReason).toMatch(
      /^rate_limit: circuit breaker open for anthropic\/m-open-limited after/,
    );
    expect(refused.attemptsMade).toBe(1);
    // The provider was not called, so it said nothing about waiting: its other models go on at once.
    expect(await conn.pttl(keys.providerPause('anthropic'))).toBe(-2);
    sim.script('m-open-neighbour', { kind: 'success', text: 'hello' });
    const neighbour = await runJob('anthropic', 'm-open-neighbour');
    expect(await neighbour.getState()).toBe('completed');
  });
});
