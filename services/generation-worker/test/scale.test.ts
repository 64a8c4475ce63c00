import { hostname } from 'node:os';
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

  it('a worker SIGKILLed mid-run leaves no job behind: the jobs it held are done once, by the other', async () => {
    const prefix = '{t-kill}';
    const env = {
      ...testEnv(redis.url, sim, prefix),
      GENERATION_CONCURRENCY: '10',
      // Long enough that the dead worker's jobs are still listed as its own when looked at after the kill.
      GENERATION_LOCK_DURATION: '3s',
    };
    const [victim, survivor] = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    workers.push(victim!, survivor!);
    const nameOf = (w: RunningProcess) => `generation@${hostname()}:${w.child.pid}`;
    // Each call takes a while, so every worker always has calls in flight.
    sim.script('kill', { kind: 'success', delayMs: 150 });
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    const runId = await client.enqueueRun(jobs(300, 'kill'));
    await until('the run to be under way', async () => (await client.runSummary(runId)).succeeded >= 50);
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    // The dead worker's jobs keep their lock until it expires: what is active under its name now is
    // exactly what it held when it died.
    const held = (await client.queue.getActive()).filter((j) => j.processedBy === nameOf(victim!));
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(10);
    const summary = await until(
      'the run to finish',
      async () => {
        const s = await client.runSummary(runId);
        return s.pending === 0 && s;
      },
      60_000,
    );
    expect(summary).toMatchObject({ total: 300, succeeded: 300, failed: 0 });
    // The summary can finish first: a held job whose call the victim had already counted is counted once,
    // but its redo by the survivor may still be under way.
    const redone = await until(
      'the held jobs to be completed again',
      async () => {
        const after = await Promise.all(held.map((j) => client.queue.getJob(j.id!)));
        const states = await Promise.all(after.map((j) => j!.getState()));
        return states.every((st) => st === 'completed') && after;
      },
      30_000,
    );
    for (const after of redone) expect(after!.processedBy).toBe(nameOf(survivor!));
    // Each job completed once (BullMQ completes a job id once) and reached the provider: once, or for a
    // job the dead worker held, at most once more (its call was cut off).
    const completed = await client.queue.getJobs(['completed'], 0, -1);
    expect(new Set(completed.map((j) => j.id)).size).toBe(300);
    const heldPrompts = new Set(
      held.map((j) => (j.data as { messages: { content: string }[] }).messages[0]!.content),
    );
    const calls = new Map<string, number>();
    for (const p of promptsSeen('kill')) calls.set(p, (calls.get(p) ?? 0) + 1);
    expect(calls.size).toBe(300);
    for (const [prompt, n] of calls) expect(n, prompt).toBeLessThanOrEqual(heldPrompts.has(prompt) ? 2 : 1);
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
