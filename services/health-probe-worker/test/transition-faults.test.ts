/**
 * A health transition survives a publish that fails for real (reliability review L2; "Tests a CI
 * suite should run", item 3). The probe worker's Redis user may not write the alerts queue, so every
 * `alerts.add` fails with Redis's own NOPERM while its breaker writes go through; or the worker is
 * SIGKILLed right after its breaker write. What a person reads in a real alerter's file: each alert
 * once, late rather than never, and its resolution once.
 */
import { modelKey } from '@faultline/core';
import { createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import {
  killWithThisProcess,
  OK,
  type ProviderSimulator,
  pollUntil,
  type RepoProcess,
  runRepoProcess,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithoutAlerts } from './acl-user.ts';
import { type AlerterBeside, type Entry, startAlerterBeside } from './alert-file.ts';
import { probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let admin: Redis;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  admin = createRedis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await Promise.all([sim?.close(), redis?.close()]);
});

const SERVER_ERROR_500: SimStep = {
  kind: 'http',
  status: 500,
  body: {
    error: { message: 'The server had an error while processing your request.', type: 'server_error' },
  },
};

const model = (id: string, priority: 'critical' | 'normal') => ({
  id,
  provider: 'openai',
  priority,
  interval: '200ms',
});

/** A long cooldown: no half-open trials while down (a failed one is an event of its own). */
const BREAKER = { BREAKER_COOLDOWN: '1h', BREAKER_SUCCESS_THRESHOLD: '1' };

/** What a person reads first in an entry. */
const seen = (e: Entry) => ({ head: e.head, severity: e.severity, reason: e.reason, models: e.models });

/**
 * The alert for a critical model's breaker opening. The opening is two events, model_unavailable
 * then breaker_opened, in one group: when they reach the alerter apart (a kill between their
 * publishes leaves the second to a fresh worker's drain) the alert names the first. One alert either way.
 */
const breakerOpened = (model: string) => ({
  head: 'ALERT: SERVER_ERROR',
  severity: 'CRITICAL',
  reason: expect.stringMatching(/^(model_unavailable|breaker_opened)$/),
  models: model,
});

const PATIENCE = { timeoutMs: 40_000 };

function system(env: Record<string, string>) {
  const prefix = env.QUEUE_PREFIX!;
  const keys = redisKeys(prefix);
  const store = modelHealthStore(admin, keys);
  return {
    prefix,
    breaker: async (id: string) => (await store.read(modelKey('openai', id))).breaker,
    outboxReasons: async () =>
      (await admin.hvals(keys.healthOutbox())).map((raw) => (JSON.parse(raw) as { reason: string }).reason),
    outageFiring: async () => (await admin.exists(keys.aggregateFlag('provider_outage', 'openai'))) === 1,
    inhibitKeys: () => admin.keys(`${prefix}:inhibit:*`),
    /** The models answer again; their open breakers try now rather than after the hour's cooldown. */
    async recover(ids: string[]): Promise<void> {
      const since = Date.now();
      for (const id of ids) sim.script(id, OK);
      // A probe answered 500 before the change may land after it, and would fail the trial a shortened
      // cooldown allows (reopening for an hour): shorten it only once a success is on record.
      for (const id of ids) {
        const key = modelKey('openai', id);
        await pollUntil(
          `a success of ${id} on record`,
          async () => ((await store.read(key)).lastSuccess ?? 0) >= since,
          PATIENCE,
        );
        await store.update(key, (h) => ({ state: { ...h, openedAt: 0 }, result: null }));
      }
    },
  };
}

/** Waits until nothing more can reach the file, then returns what it holds. */
async function settledEntries(alerter: AlerterBeside): Promise<Entry[]> {
  await pollUntil(
    'no health event, alert, timer or delivery left on its way',
    () => alerter.settled(admin),
    PATIENCE,
  );
  return alerter.entries();
}

describe('a transition the alerts queue refused (NOPERM) reaches the alert file once the write is allowed', () => {
  it('a critical model failing: one CRITICAL "breaker_opened" after the grant, then one RESOLVED', async () => {
    sim.script('denied', SERVER_ERROR_500);
    const env = probeEnv(redis.url, sim, [model('denied', 'critical')], BREAKER);
    const sys = system(env);
    const user = await userWithoutAlerts(admin, redis.url, sys.prefix);
    const alerter = await startAlerterBeside(redis.url, sys.prefix);
    const probe = await startProbe({ ...env, REDIS_URL: user.url });
    try {
      await pollUntil(
        'the breaker open in Redis',
        async () => (await sys.breaker('denied')) === 'open',
        PATIENCE,
      );
      expect(await sys.outboxReasons()).toContain('breaker_opened');
      expect(alerter.entries(), 'nothing can reach a person while the alerts queue refuses').toEqual([]);

      await user.grantAlerts();
      await pollUntil('the alert in the file', () => alerter.entries().length > 0, PATIENCE);
      expect((await settledEntries(alerter)).map(seen)).toEqual([breakerOpened('denied')]);

      await sys.recover(['denied']);
      await pollUntil('the resolution in the file', () => alerter.entries().length > 1, PATIENCE);
      expect((await settledEntries(alerter)).map((e) => e.head)).toEqual([
        'ALERT: SERVER_ERROR',
        'RESOLVED: SERVER_ERROR',
      ]);
      expect(await sys.inhibitKeys()).toEqual([]);
    } finally {
      await probe.close();
      await alerter.close();
      await user.drop();
    }
  }, 120_000);

  it('every model of a provider failing: one outage alert, and its end, each refused first', async () => {
    const ids = ['outage-a', 'outage-b'];
    for (const id of ids) sim.script(id, SERVER_ERROR_500);
    const env = probeEnv(
      redis.url,
      sim,
      ids.map((id) => model(id, 'normal')),
      BREAKER,
    );
    const sys = system(env);
    const user = await userWithoutAlerts(admin, redis.url, sys.prefix);
    const alerter = await startAlerterBeside(redis.url, sys.prefix);
    const probe = await startProbe({ ...env, REDIS_URL: user.url });
    try {
      await pollUntil('the outage flagged in Redis', sys.outageFiring, PATIENCE);
      expect(await sys.outboxReasons()).toContain('provider_outage');
      await user.grantAlerts();
      await pollUntil('the outage in the file', () => alerter.entries().length > 0, PATIENCE);
      expect((await settledEntries(alerter)).map(seen)).toEqual([
        {
          head: 'ALERT: SERVER_ERROR',
          severity: 'CRITICAL',
          reason: 'provider_outage',
          models: 'outage-a, outage-b',
        },
      ]);

      // The end is refused too: it waits in the outbox beside the flag it cleared.
      await user.denyAlerts();
      await sys.recover(ids);
      await pollUntil('the outage over in Redis', async () => !(await sys.outageFiring()), PATIENCE);
      expect(await sys.outboxReasons()).toContain('provider_outage');
      await user.grantAlerts();
      await pollUntil('the resolution in the file', () => alerter.entries().length > 1, PATIENCE);
      expect((await settledEntries(alerter)).map((e) => e.head)).toEqual([
        'ALERT: SERVER_ERROR',
        'RESOLVED: SERVER_ERROR',
      ]);
      expect(await sys.inhibitKeys()).toEqual([]);
    } finally {
      await probe.close();
      await alerter.close();
      await user.drop();
    }
  }, 150_000);
});

/** The health-probe worker as its own process, as a container runs it. */
async function probeProcess(env: Record<string, string>): Promise<RepoProcess> {
  const proc = runRepoProcess(['services/health-probe-worker/src/main.ts'], { ...env, LOG_LEVEL: 'info' });
  killWithThisProcess(proc.child);
  await pollUntil(
    'the health-probe worker ready',
    () => proc.output().includes('health-probe worker ready') || proc.child.exitCode !== null,
    PATIENCE,
  );
  if (proc.child.exitCode !== null) throw new Error(`the health-probe worker exited:\n${proc.output()}`);
  return proc;
}

async function sigkill(proc: RepoProcess): Promise<void> {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

describe('a worker SIGKILLed right after its breaker write: a fresh one sends the alert, once', () => {
  it('killed before it could publish (the alerts queue refuses it until then)', async () => {
    sim.script('killed', SERVER_ERROR_500);
    const env = probeEnv(redis.url, sim, [model('killed', 'critical')], BREAKER);
    const sys = system(env);
    const user = await userWithoutAlerts(admin, redis.url, sys.prefix);
    const alerter = await startAlerterBeside(redis.url, sys.prefix);
    const first = await probeProcess({ ...env, REDIS_URL: user.url });
    let fresh: RepoProcess | undefined;
    try {
      await pollUntil('the breaker open in Redis', async () => (await sys.breaker('killed')) === 'open', {
        ...PATIENCE,
        intervalMs: 5,
      });
      await sigkill(first);
      expect(await sys.outboxReasons()).toContain('breaker_opened');
      await user.grantAlerts();
      fresh = await probeProcess({ ...env, REDIS_URL: user.url });
      await pollUntil('the alert in the file', () => alerter.entries().length > 0, PATIENCE);
      expect((await settledEntries(alerter)).map(seen)).toEqual([breakerOpened('killed')]);

      await sys.recover(['killed']);
      await pollUntil('the resolution in the file', () => alerter.entries().length > 1, PATIENCE);
      expect((await settledEntries(alerter)).map((e) => e.head)).toEqual([
        'ALERT: SERVER_ERROR',
        'RESOLVED: SERVER_ERROR',
      ]);
      expect(await sys.inhibitKeys()).toEqual([]);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) await sigkill(first);
      if (fresh) await sigkill(fresh);
      await alerter.close();
      await user.drop();
    }
  }, 150_000);

  it('killed wherever it is when the breaker shows open (before or after its publish)', async () => {
    sim.script('racing', SERVER_ERROR_500);
    const env = probeEnv(redis.url, sim, [model('racing', 'critical')], BREAKER);
    const sys = system(env);
    const alerter = await startAlerterBeside(redis.url, sys.prefix);
    const first = await probeProcess(env);
    let fresh: RepoProcess | undefined;
    try {
      await pollUntil('the breaker open in Redis', async () => (await sys.breaker('racing')) === 'open', {
        ...PATIENCE,
        intervalMs: 5,
      });
      await sigkill(first);
      fresh = await probeProcess(env);
      await pollUntil('the alert in the file', () => alerter.entries().length > 0, PATIENCE);
      expect((await settledEntries(alerter)).map(seen)).toEqual([breakerOpened('racing')]);

      await sys.recover(['racing']);
      await pollUntil('the resolution in the file', () => alerter.entries().length > 1, PATIENCE);
      expect((await settledEntries(alerter)).map((e) => e.head)).toEqual([
        'ALERT: SERVER_ERROR',
        'RESOLVED: SERVER_ERROR',
      ]);
      expect(await sys.inhibitKeys()).toEqual([]);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) await sigkill(first);
      if (fresh) await sigkill(fresh);
      await alerter.close();
    }
  }, 150_000);
});
