import { createGenerationClient } from '@faultline/client';
import { createRedis } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker> | undefined;
let client: ReturnType<typeof createGenerationClient>;
let store: ReturnType<typeof createRedis>;
const prefix = '{t-uncounted}';
/** BullMQ INCRements it for every job it adds to the alerts queue: a value that is no number makes each add throw. */
const alertIdCounter = `${prefix}:alerts:id`;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = testEnv(redis.url, sim, prefix);
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  client = createGenerationClient({ redisUrl: redis.url, prefix });
  store = createRedis(redis.url);
  await worker.worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close(1000);
  await client?.close();
  store?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

const billing = {
  kind: 'http',
  status: 429,
  body: {
    error: {
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    },
  },
} as const;

const job = (model: string) => ({
  provider: 'openai',
  model,
  messages: [{ role: 'user' as const, content: 'hi' }],
});

async function finished(runId: string) {
  return until(
    `run ${runId} to finish`,
    async () => {
      const s = await client.runSummary(runId);
      return s.pending === 0 && s;
    },
    15_000,
  );
}

describe('a job that fails outside the processor still ends its run', () => {
  it('publishing its event threw: the final failure is counted as unknown, so the run finishes', async () => {
    sim.script('m-unpublishable', billing);
    await store.set(alertIdCounter, 'not-a-number');
    try {
      const runId = await client.enqueueRun([job('m-unpublishable')], { attempts: 2 });
      const summary = await finished(runId);
      expect(summary).toMatchObject({ total: 1, succeeded: 0, failed: 1 });
      // The first attempt's failure was not final (BullMQ retried the thrown error): only the last one counts.
      expect(summary.error_classification).toEqual({
        by_category: { unknown: 1 },
        by_severity: { medium: 1 },
        critical_errors: 0,
        total_classified_errors: 1,
      });
      expect(sim.requests('m-unpublishable')).toHaveLength(2);
      const [failed] = await client.queue.getJobs(['failed']);
      expect(failed!.failedReason).toMatch(/not an integer/);
    } finally {
      await store.del(alertIdCounter);
    }
  });

  it('a failure the processor counted is not counted again by the failed-job handler', async () => {
    sim.script('m-billing', billing);
    const runId = await client.enqueueRun([job('m-billing')], { attempts: 3 });
    await finished(runId);
    // close() waits for every count the 'failed' handler started: after it, nothing more can arrive.
    await worker!.close(1000);
    worker = undefined;
    const summary = await client.runSummary(runId);
    expect(summary).toMatchObject({ total: 1, succeeded: 0, failed: 1 });
    expect(summary.error_classification).toEqual({
      by_category: { billing_quota: 1 },
      by_severity: { critical: 1 },
      critical_errors: 1,
      total_classified_errors: 1,
    });
  });
});
