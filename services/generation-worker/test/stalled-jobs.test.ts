import { createGenerationClient } from '@faultline/client';
import type { AlertEvent } from '@faultline/core';
import { ConfigError, QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationConfig } from '../src/config.ts';
import { generationEventId } from '../src/event-id.ts';
import { startGenerationWorker } from '../src/worker.ts';
import { runProcess, silentLogger, startWorkerProcess, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let client: ReturnType<typeof createGenerationClient>;
let alerts: Queue;
const prefix = '{t-stalled}';
let env: ReturnType<typeof testEnv>;
const started: ReturnType<typeof startGenerationWorker>[] = [];

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  // Calls that hang are still running when their worker is cut off: no timeout ends them first.
  env = { ...testEnv(redis.url, sim, prefix), GENERATION_TIMEOUT: '30s' };
  client = createGenerationClient({ redisUrl: redis.url, prefix });
  alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
});

afterAll(async () => {
  for (const w of started) await w.close(100).catch(() => {});
  await Promise.all([client?.close(), alerts?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
});

function startWorker() {
  const w = startGenerationWorker(testConfig(env), env, silentLogger);
  started.push(w);
  return w;
}

const job = (model: string) => ({
  provider: 'openai',
  model,
  messages: [{ role: 'user' as const, content: 'hi' }],
});

describe('a job lost to crashed or killed workers raises its alert (L9)', () => {
  it('killed mid-call more often than maxStalledCount: BullMQ fails it as stalled, and its event is published', async () => {
    // Every call hangs: a worker is always mid-call when it is cut off, as in an OOM kill.
    sim.script('m-hang', { kind: 'hang' });
    const runId = await client.enqueueRun([job('m-hang')], { attempts: 3 });
    const [added] = await client.queue.getJobs(['waiting', 'active']);
    // Two workers cut off mid-call (lock lost, no failure recorded), then a third finds it stalled twice.
    for (let lost = 1; lost <= 2; lost++) {
      const proc = await startWorkerProcess(env);
      await until(`call ${lost} to reach the provider`, async () => sim.requests('m-hang').length >= lost);
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    startWorker();
    const id = generationEventId(added!, 1);
    const event = (await until(
      "the stalled job's event",
      async () => (await alerts.getJob(id))?.data,
      20_000,
    )) as AlertEvent;
    expect(event).toMatchObject({
      source: 'generation',
      category: 'unknown',
      severity: 'MEDIUM',
      reason: 'stalled',
      provider: 'openai',
      model: 'm-hang',
      isRetryable: false,
    });
    expect(event.message).toMatch(/failed as stalled/);
    const failed = (await client.queue.getJob(added!.id!))!;
    expect(failed.failedReason).toMatch(/stalled more than allowable limit/);
    const summary = await until('the run to finish', async () => {
      const s = await client.runSummary(runId);
      return s.pending === 0 && s;
    });
    expect(summary).toMatchObject({ total: 1, failed: 1 });
    expect(summary.error_classification.by_category).toEqual({ unknown: 1 });
  }, 40_000);
});

describe('GENERATION_TIMEOUT fits inside SHUTDOWN_GRACE', () => {
  it('by default', () => {
    const cfg = testConfig({});
    expect(cfg.GENERATION_TIMEOUT).toBeLessThanOrEqual(cfg.SHUTDOWN_GRACE);
  });

  it.each([
    ['60s against the default 30 s grace', { GENERATION_TIMEOUT: '60s' }],
    ['40s against a 35 s grace', { GENERATION_TIMEOUT: '40s', SHUTDOWN_GRACE: '35s' }],
  ])('a timeout longer than the grace is refused: %s', (_name, settings) => {
    expect(() => testConfig(settings)).toThrow(ConfigError);
    expect(() => testConfig(settings)).toThrow(/GENERATION_TIMEOUT.*SHUTDOWN_GRACE/s);
  });

  it('an equal timeout and grace are accepted', () => {
    expect(testConfig({ GENERATION_TIMEOUT: '90s', SHUTDOWN_GRACE: '90s' }).GENERATION_TIMEOUT).toBe(90_000);
  });

  it('the worker refuses to start, exit 3, naming both settings', async () => {
    const proc = runProcess(['services/generation-worker/src/main.ts'], {
      ...env,
      GENERATION_TIMEOUT: '60s',
      SHUTDOWN_GRACE: '30s',
    });
    expect(await proc.exited).toBe(3);
    expect(proc.output()).toMatch(/GENERATION_TIMEOUT:.*SHUTDOWN_GRACE/);
  });

  it('GenerationConfig still lists its settings (start and .env.example read its shape)', () => {
    expect(Object.keys(GenerationConfig.shape)).toContain('GENERATION_TIMEOUT');
  });
});
