import { createGenerationClient } from '@faultline/client';
import { ContractError } from '@faultline/core';
import { createRedis, QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let client: ReturnType<typeof createGenerationClient>;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const env = testEnv(redis.url, sim, '{t-client}');
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  client = createGenerationClient({ redisUrl: redis.url, prefix: '{t-client}' });
});

afterAll(async () => {
  await client?.close();
  await worker?.close(1000);
  await Promise.all([sim?.close(), redis?.close()]);
});

describe('the producer client', () => {
  it('refuses an invalid job before it reaches the queue, naming the field', async () => {
    const before = await client.queue.count();
    const attempt = client.enqueueGeneration({
      provider: 'openai',
      model: '',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(attempt).rejects.toBeInstanceOf(ContractError);
    await expect(attempt).rejects.toThrow(/model: must name the model/);
    expect(await client.queue.count()).toBe(before);
  });

  it('enqueues a job and awaits its GenerationResult', async () => {
    sim.script('client-ok', { kind: 'success', text: 'pong' });
    const job = await client.enqueueGeneration({
      provider: 'openai',
      model: 'client-ok',
      messages: [{ role: 'user', content: 'ping' }],
    });
    const result = await client.waitForResult(job, 10_000);
    expect(result).toMatchObject({ text: 'pong', provider: 'openai', model: 'client-ok' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('surfaces the final failure to the awaiting producer', async () => {
    sim.script('client-gone', {
      kind: 'http',
      status: 404,
      body: { error: { message: 'The model `client-gone` does not exist', code: 'model_not_found' } },
    });
    const job = await client.enqueueGeneration({
      provider: 'openai',
      model: 'client-gone',
      messages: [{ role: 'user', content: 'ping' }],
    });
    await expect(client.waitForResult(job, 10_000)).rejects.toThrow(/model_error/);
  });
});

describe('waiting for a result whose finish event went by unseen', () => {
  it('settles from the job state instead of waiting out the timeout', async () => {
    // No worker on this prefix: the job is finished by hand in Redis, the way a worker would,
    // but without the event on the queue's stream, as when QueueEvents was not yet reading it.
    const prefix = '{t-client-unseen}';
    const own = createGenerationClient({ redisUrl: redis.url, prefix });
    const admin = createRedis(redis.url);
    try {
      const job = await own.enqueueGeneration({
        provider: 'openai',
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const waiting = own.waitForResult(job, 20_000);
      // Past its own finished check and listening: nothing to wait on from outside but the clock.
      await new Promise((r) => setTimeout(r, 1000));
      const result = {
        text: 'hi',
        usage: { inputTokens: 1, outputTokens: 1 },
        latencyMs: 1,
        provider: 'openai',
        model: 'gpt-4o-mini',
      };
      const key = `${prefix}:${QUEUES.generation}`;
      await admin
        .multi()
        .lrem(`${key}:wait`, 0, job.id!)
        .hset(`${key}:${job.id}`, 'finishedOn', Date.now(), 'returnvalue', JSON.stringify(result))
        .zadd(`${key}:completed`, Date.now(), job.id!)
        .exec();
      // Without the state check this waits out its 20 s and rejects with a timeout.
      await expect(waiting).resolves.toEqual(result);
    } finally {
      admin.disconnect();
      await own.close();
    }
  });
});
