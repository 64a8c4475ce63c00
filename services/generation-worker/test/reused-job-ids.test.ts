import { createGenerationClient } from '@faultline/client';
import { type AlertEvent, alertEventFrom, classifyError } from '@faultline/core';
import { ALERT_EVENT_RETENTION, AlertEventIdTakenError, alertPublisher, QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let client: ReturnType<typeof createGenerationClient>;
let alerts: Queue;
const prefix = '{t-reused-ids}';

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = testEnv(redis.url, sim, prefix);
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  client = createGenerationClient({ redisUrl: redis.url, prefix });
  alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
  await worker.worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([client?.close(), alerts?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
});

const billing = {
  kind: 'http',
  status: 429,
  body: { error: { message: 'You exceeded your current quota.', code: 'insufficient_quota' } },
} as const;

const eventsOf = async (prefixOfId: string) =>
  (await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']))
    .filter((j) => j.id?.startsWith(prefixOfId))
    .map((j) => j.data as AlertEvent);

describe('event ids never recycle into an earlier job of the same id (L4 b)', () => {
  it("a producer's fixed jobId 'canary', removed on failure, fails twice: two events reach the alerts queue", async () => {
    sim.script('m-canary', billing);
    for (let run = 1; run <= 2; run++) {
      await client.enqueueGeneration(
        { provider: 'openai', model: 'm-canary', messages: [{ role: 'user', content: 'ping' }] },
        { jobId: 'canary', removeOnFail: true, attempts: 1 },
      );
      // removeOnFail: the job is gone once it failed, so the same id can be added again.
      await until(`canary run ${run} to fail and be removed`, async () => {
        const events = await eventsOf('gen-canary-');
        return events.length >= run && !(await client.queue.getJob('canary'));
      });
    }
    const events = await eventsOf('gen-canary-');
    expect(events).toHaveLength(2);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    expect(events.map((e) => e.category)).toEqual(['billing_quota', 'billing_quota']);
    expect(sim.requests('m-canary')).toHaveLength(2);
  });

  it('an id that already names an earlier event is an error, not a silent no-op', async () => {
    const classified = classifyError(
      { status: 503, headers: {}, body: { error: { message: 'Service Unavailable' } } },
      { provider: 'openai', model: 'm-taken' },
    );
    const old = alertEventFrom(classified, {
      id: 'gen-taken-1',
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date(Date.now() - 3_600_000),
    });
    const publisher = alertPublisher(alerts);
    await publisher.publish(old);
    // The same id again, for a job that came into being after the stored event occurred.
    const fresh = { ...old, occurredAt: new Date().toISOString() };
    await expect(publisher.publish(fresh, { notBefore: Date.now() - 1000 })).rejects.toBeInstanceOf(
      AlertEventIdTakenError,
    );
    // Another model under the id is another event too, whenever it happened.
    await expect(publisher.publish({ ...old, model: 'm-other' })).rejects.toThrow(
      /taken by an earlier event/,
    );
    // The same event replayed is not an error: exactly once per attempt.
    await expect(publisher.publish(fresh)).resolves.toBeDefined();
    expect((await eventsOf('gen-taken-')).map((e) => e.occurredAt)).toEqual([old.occurredAt]);
  });

  it('alert events are kept for a bounded time and number, not forever', async () => {
    const [event] = await eventsOf('gen-canary-');
    const job = (await alerts.getJob(event!.id))!;
    expect(job.opts.removeOnComplete).toEqual(ALERT_EVENT_RETENTION.removeOnComplete);
    expect(job.opts.removeOnFail).toEqual({ age: 30 * 86_400, count: 10_000 });
    expect(job.opts.attempts).toBeGreaterThanOrEqual(100);
  });
});
