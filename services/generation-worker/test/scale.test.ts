import { createGenerationClient } from '@faultline/client';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProcess, startWorkerProcess, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all([sim?.close(), redis?.close()]);
});

function jobs(n: number, model: string) {
  return Array.from({ length: n }, (_, i) => ({
    provider: 'openai',
    model,
    messages: [{ role: 'user' as const, content: `job ${i}` }],
  }));
}

function promptsSeen(model: string): string[] {
  return sim.requests(model).map((r) => (r.body as { messages: { content: string }[] }).messages[0]!.content);
}

describe('several worker processes share one queue', () => {
  it('two workers split a 1,000-job run with no job done twice', async () => {
    const prefix = '{t-split}';
    const env = { ...testEnv(redis.url, sim, prefix), GENERATION_CONCURRENCY: '20' };
    const pair = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    workers.push(...pair);
    sim.script('split', { kind: 'success', delayMs: 2 });
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    const runId = await client.enqueueRun(jobs(1000, 'split'));
    const summary = await until(
      'the run to finish',
      async () => {
        const s = await client.runSummary(runId);
        return s.pending === 0 && s;
      },
      60_000,
    );
    expect(summary).toMatchObject({ total: 1000, succeeded: 1000, failed: 0 });
    const prompts = promptsSeen('split');
    expect(prompts).toHaveLength(1000);
    expect(new Set(prompts).size).toBe(1000);
    const completedBy = await client.queue.getJobs(['completed'], 0, -1);
    const processedOn = new Set(completedBy.map((j) => j.processedBy));
    expect(processedOn.size).toBe(2);
    for (const w of pair) w.child.kill('SIGTERM');
    expect(await Promise.all(pair.map((w) => w.exited))).toEqual([0, 0]);
    await client.close();
  });

  it('a worker SIGKILLed mid-run leaves no job behind', async () => {
    const prefix = '{t-kill}';
    const env = { ...testEnv(redis.url, sim, prefix), GENERATION_CONCURRENCY: '10' };
    const [victim, survivor] = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    workers.push(victim!, survivor!);
    sim.script('kill', { kind: 'success', delayMs: 20 });
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    const runId = await client.enqueueRun(jobs(300, 'kill'));
    await until('the run to be under way', async () => (await client.runSummary(runId)).succeeded >= 50);
    victim!.child.kill('SIGKILL');
    const summary = await until(
      'the run to finish',
      async () => {
        const s = await client.runSummary(runId);
        return s.pending === 0 && s;
      },
      60_000,
    );
    expect(summary).toMatchObject({ total: 300, succeeded: 300, failed: 0 });
    // Every job reached the provider; the ones the dead worker held were taken up again.
    expect(new Set(promptsSeen('kill')).size).toBe(300);
    survivor!.child.kill('SIGTERM');
    expect(await survivor!.exited).toBe(0);
    await client.close();
  });

  it('SIGTERM lets in-flight jobs finish, then exits 0', async () => {
    const prefix = '{t-term}';
    const env = testEnv(redis.url, sim, prefix);
    const worker = await startWorkerProcess(env);
    workers.push(worker);
    sim.script('slow', { kind: 'success', delayMs: 700 });
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    const runId = await client.enqueueRun(jobs(5, 'slow'));
    await until('jobs in flight', async () => sim.requests('slow').length === 5);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await client.runSummary(runId)).toMatchObject({ succeeded: 5, pending: 0 });
    await client.close();
  });
});
