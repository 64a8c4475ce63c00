import { randomUUID } from 'node:crypto';
import { type AlertEvent, alertEventFrom, classifyError, RUN_FIELDS, summarizeRun } from '@faultline/core';
import { alertPublisher, createRedis, QUEUES, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationEventId } from '../src/event-id.ts';
import { RetryableGenerationError } from '../src/processor.ts';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let alerts: Queue;
let store: ReturnType<typeof createRedis>;
const prefix = '{t-once}';

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = testEnv(redis.url, sim, prefix);
  // Not running: the test plays the worker, handing the same attempt to the processor twice.
  worker = startGenerationWorker(testConfig(env), env, silentLogger, { autorun: false });
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  store = createRedis(redis.url);
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([generation?.close(), alerts?.close()]);
  store?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

const publishedIds = async () =>
  (await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).map((j) => j.id).sort();

describe('exactly one AlertEvent per failed attempt, however often the attempt is replayed', () => {
  it('the alert publisher adds an event id once, whatever is published under it again', async () => {
    const classified = classifyError(
      { status: 503, headers: {}, body: { error: { message: 'Service Unavailable' } } },
      { provider: 'openai', model: 'm-pub' },
    );
    const event: AlertEvent = alertEventFrom(classified, {
      id: 'gen-pub-1',
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date('2025-01-01T00:00:00Z'),
    });
    const publisher = alertPublisher(alerts);
    await publisher.publish(event);
    // A replay publishes the same attempt later, e.g. with a newer timestamp: it must not become a second event.
    await publisher.publish({ ...event, occurredAt: new Date().toISOString() });
    expect((await publishedIds()).filter((id) => id === 'gen-pub-1')).toEqual(['gen-pub-1']);
    expect((await alerts.getJob('gen-pub-1'))!.data.occurredAt).toBe(event.occurredAt);
  });

  it('running the processor twice for the same attempt publishes one event and counts it once', async () => {
    sim.script('m-replay', {
      kind: 'http',
      status: 500,
      body: { error: { message: 'Internal server error' } },
    });
    const runId = `run-${randomUUID()}`;
    await store.hset(redisKeys(prefix).runSummary(runId), RUN_FIELDS.total, 1);
    const job = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-replay', messages: [{ role: 'user', content: 'hi' }], runId },
      { jobId: 'replayed', attempts: 3, backoff: { type: 'faultline' } },
    );
    // The first run published and counted, then (say) the worker died before BullMQ recorded the attempt.
    for (let run = 0; run < 2; run++)
      await expect(worker.processor(job)).rejects.toBeInstanceOf(RetryableGenerationError);
    expect(sim.requests('m-replay')).toHaveLength(2);
    expect((await publishedIds()).filter((id) => id?.startsWith('gen-replayed-'))).toEqual([
      generationEventId(job, 1),
    ]);
    const summary = summarizeRun(runId, await store.hgetall(redisKeys(prefix).runSummary(runId)));
    expect(summary.error_classification).toEqual({
      by_category: { server_error: 1 },
      by_severity: { medium: 1 },
      critical_errors: 0,
      total_classified_errors: 1,
    });
  });
});
