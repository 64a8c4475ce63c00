import { QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  pollUntil,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

const models = [
  { id: 'keep-a', provider: 'openai', interval: '30s' },
  { id: 'keep-b', provider: 'openai', interval: '30s' },
];

async function schedulerIds(env: Record<string, string>): Promise<string[]> {
  const q = new Queue(QUEUES.healthProbes, {
    connection: { url: env.REDIS_URL! },
    prefix: env.QUEUE_PREFIX!,
  });
  const ids = (await q.getJobSchedulers(0, -1)).map((s) => s.key ?? s.id ?? '').sort();
  await q.close();
  return ids;
}

describe('probe schedulers are reconciled, not only synced at start', () => {
  it('a scheduler removed by hand comes back within the reconcile interval', async () => {
    sim.script('keep-a', { kind: 'success' });
    sim.script('keep-b', { kind: 'success' });
    const env = probeEnv(redis.url, sim, models, { SCHEDULER_RECONCILE_INTERVAL: '300ms' });
    const probe = await startProbe(env);
    try {
      const all = await schedulerIds(env);
      expect(all).toHaveLength(2);
      const q = new Queue(QUEUES.healthProbes, { connection: { url: redis.url }, prefix: env.QUEUE_PREFIX! });
      await q.removeJobScheduler(all[0]!);
      expect(await schedulerIds(env)).toEqual([all[1]]);
      await q.close();
      await pollUntil(
        'the removed scheduler to come back',
        async () => (await schedulerIds(env)).length === 2,
        {
          timeoutMs: 3000,
        },
      );
      expect(await schedulerIds(env)).toEqual(all);
    } finally {
      await probe.close();
    }
  });

  it('a replica without a models file removes none of the fleet’s schedulers, at start or later', async () => {
    const env = probeEnv(redis.url, sim, models, { SCHEDULER_RECONCILE_INTERVAL: '200ms' });
    const withFile = await startProbe(env);
    const before = await schedulerIds(env);
    expect(before).toHaveLength(2);
    const { FAULTLINE_MODELS_FILE: _, ...noFile } = env;
    const bare = await startProbe(noFile);
    try {
      expect(bare.models).toHaveLength(0);
      expect(await schedulerIds(env)).toEqual(before);
      // The one replica with the file stops: only the file-less one runs, reconciling.
      await withFile.close();
      await new Promise((r) => setTimeout(r, 1000));
      expect(await schedulerIds(env)).toEqual(before);
    } finally {
      await bare.close();
    }
  });

  it('a replica with a models file still removes schedulers of models that left it', async () => {
    const env = probeEnv(redis.url, sim, models, { SCHEDULER_RECONCILE_INTERVAL: '200ms' });
    const first = await startProbe(env);
    await first.close();
    const fewer = probeEnv(redis.url, sim, [models[0]!], {
      SCHEDULER_RECONCILE_INTERVAL: '200ms',
      QUEUE_PREFIX: env.QUEUE_PREFIX!,
    });
    const second = await startProbe(fewer);
    try {
      expect(second.synced.removed).toBe(1);
      expect(await schedulerIds(env)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
