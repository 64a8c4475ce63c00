import { AlertEvent, DEFAULT_GROUP_BY, fingerprintOf, GROUP_KEYS } from '@faultline/core';
import {
  type ProviderSimulator,
  type SimStep,
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

const ok: SimStep = { kind: 'success', text: '' };
const billing: SimStep = {
  kind: 'http',
  status: 429,
  body: {
    error: {
      message: 'You exceeded your current quota',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    },
  },
};
const model = (id: string, extra: object = {}) => ({ id, provider: 'openai', interval: '150ms', ...extra });

/** A model's own events differ in reason (the transition): they share a group unless grouped by it. */
function expectResolvesItsGroup(events: AlertEvent[], reason: string, recoveredReason = reason) {
  const pair = [
    events.find((e) => e.reason === reason && e.state === 'firing'),
    ...events.filter((e) => e.reason === recoveredReason && e.state === 'resolved'),
  ];
  expect(pair.map((e) => e?.state)).toEqual(['firing', 'resolved']);
  const [firing, resolved] = pair as [AlertEvent, AlertEvent];
  const groupBys = reason === recoveredReason ? [DEFAULT_GROUP_BY, GROUP_KEYS] : [DEFAULT_GROUP_BY];
  for (const groupBy of groupBys)
    expect(fingerprintOf(resolved, groupBy)).toBe(fingerprintOf(firing, groupBy));
  for (const e of pair) expect(() => AlertEvent.parse(e)).not.toThrow();
  return [firing, resolved] as const;
}

describe('the recovery of an aggregate resolves its alert group', () => {
  it('a billing failure of one model, then its own success (the sibling never resolved it)', async () => {
    sim.script('key-a', [billing, billing, ok]);
    sim.script('key-b', ok);
    const env = probeEnv(redis.url, sim, [model('key-a'), model('key-b')]);
    const probe = await startProbe(env);
    await pollUntil('the failure and its end', async () =>
      (await healthEvents(env)).some((e) => e.model === 'key-a' && e.state === 'resolved'),
    );
    const events = await healthEvents(env);
    expect(events.filter((e) => e.model !== 'key-a')).toEqual([]);
    const [firing] = expectResolvesItsGroup(events, 'first_failure', 'recovered');
    expect(firing).toMatchObject({ category: 'billing_quota', model: 'key-a', severity: 'CRITICAL' });
    expect(firing.context).toMatchObject({ model_id: 'key-a', status_code: 429 });
    await probe.close();
  });

  it('a provider outage that is not a 5xx (connections reset), then a success', async () => {
    const reset: SimStep = { kind: 'reset' };
    sim.script('reset-a', [reset, reset, reset, reset, ok]);
    sim.script('reset-b', [reset, reset, reset, reset, ok]);
    const env = probeEnv(redis.url, sim, [model('reset-a'), model('reset-b')]);
    const probe = await startProbe(env);
    await pollUntil('the outage and its end', async () =>
      (await healthEvents(env)).some((e) => e.reason === 'provider_outage' && e.state === 'resolved'),
    );
    const [firing] = expectResolvesItsGroup(await healthEvents(env), 'provider_outage');
    expect(firing.category).toBe('network_error');
    expect(firing.context).toMatchObject({ models_total: 2, models_failing: 2 });
    await probe.close();
  });
});

describe('a storm counts distinct models, not transitions', () => {
  it('one model flapping is one model: no storm however often it starts to fail', async () => {
    // A script's last step repeats: spell the flapping out.
    sim.script(
      'flap',
      Array.from({ length: 40 }, (_, i) => (i % 2 ? ok : down)),
    );
    sim.script('steady', ok);
    const env = probeEnv(redis.url, sim, [model('flap'), model('steady')], { MODELS_FAILING_THRESHOLD: '1' });
    const probe = await startProbe(env);
    await pollUntil(
      'three first failures of the flapping model',
      async () => (await healthEvents(env)).filter((e) => e.reason === 'first_failure').length >= 3,
    );
    expect((await healthEvents(env)).filter((e) => e.reason === 'models_failing')).toEqual([]);
    await probe.close();
  });
});
