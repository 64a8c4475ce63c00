import { modelKey } from '@faultline/core';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, healthEvents, pollUntil, probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

describe('probe: models looks the model up through the provider, which costs nothing', () => {
  it.each([
    ['openai', 'lookup-gpt'],
    ['anthropic', 'lookup-claude'],
  ])(
    '%s: a failed lookup fails the model, a good one recovers it; no completion is sent',
    async (provider, id) => {
      sim.script(id, [down, { kind: 'success' }]);
      const env = probeEnv(redis.url, sim, [{ id, provider, interval: '150ms', probe: 'models' }]);
      const probe = await startProbe(env);
      await pollUntil('the recovery', async () =>
        (await healthEvents(env)).some((e) => e.model === id && e.reason === 'recovered'),
      );
      const requests = sim.requests(id);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      for (const r of requests)
        expect([r.method, r.path]).toEqual(['GET', expect.stringMatching(`/models/${id}$`)]);
      const events = (await healthEvents(env)).filter((e) => e.model === id);
      expect(events.map((e) => e.reason)).toEqual(['first_failure', 'recovered']);
      expect(events[0]).toMatchObject({ category: 'server_error', context: { status_code: 503 } });
      expect((await probe.store.read(modelKey(provider, id))).lastSuccess).not.toBeNull();
      await probe.close();
    },
  );
});
