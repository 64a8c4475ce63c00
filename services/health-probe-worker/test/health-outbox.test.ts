import { modelKey } from '@faultline/core';
import { createRedis, QUEUES, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
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

/** The alerts queue refuses the next add of an event with this reason (a write Redis denied, NOPERM). */
function refuseNextAlert(reason: string) {
  const add = Queue.prototype.add;
  let armed = true;
  Queue.prototype.add = function (this: Queue, name: string, data: unknown, ...rest: unknown[]) {
    if (armed && this.name === QUEUES.alerts && (data as { reason?: string })?.reason === reason) {
      armed = false;
      return Promise.reject(new Error('NOPERM this user has no permissions to run this script (injected)'));
    }
    return (add as (...a: unknown[]) => Promise<unknown>).call(this, name, data, ...rest);
  } as typeof Queue.prototype.add;
  return {
    get fired() {
      return !armed;
    },
    restore: () => {
      Queue.prototype.add = add;
    },
  };
}

describe('health transitions go through an outbox written with the breaker state', () => {
  it('a "breaker opened" the alerts queue refused is published later, once; its recovery once too', async () => {
    sim.script('outboxed', down);
    // A long cooldown: no half-open trials (each failed one is an event of its own) while it is down.
    const env = probeEnv(redis.url, sim, [{ id: 'outboxed', provider: 'openai', interval: '200ms' }], {
      BREAKER_COOLDOWN: '1h',
      BREAKER_SUCCESS_THRESHOLD: '1',
    });
    const fault = refuseNextAlert('breaker_opened');
    const probe = await startProbe(env);
    try {
      await pollUntil('the refused publish', () => fault.fired, { timeoutMs: 10_000 });
      const breaker = (await probe.store.read(modelKey('openai', 'outboxed'))).breaker;
      expect(breaker).toBe('open');
      await pollUntil(
        'the outbox drained',
        async () => (await healthEvents(env)).some((e) => e.reason === 'breaker_opened'),
        { timeoutMs: 15_000 },
      );
    } finally {
      fault.restore();
    }
    // Its recovery needs the breaker half open: the trial comes after the cooldown, so shorten it by
    // opening time (the model's state says when it opened).
    await probe.store.update(modelKey('openai', 'outboxed'), (h) => ({
      state: { ...h, openedAt: 0 },
      result: null,
    }));
    sim.script('outboxed', { kind: 'success' });
    await pollUntil(
      'the recovery',
      async () => (await healthEvents(env)).some((e) => e.state === 'resolved'),
      {
        timeoutMs: 15_000,
      },
    );
    const reasons = (await healthEvents(env)).map((e) => e.reason).sort();
    expect(reasons).toEqual(['breaker_opened', 'first_failure', 'model_unavailable', 'recovered']);
    const keys = redisKeys(env.QUEUE_PREFIX!);
    const client = createRedis(redis.url);
    await pollUntil('the outbox empty', async () => (await client.hlen(keys.healthOutbox())) === 0);
    client.disconnect();
    await probe.close();
  }, 45_000);
});
