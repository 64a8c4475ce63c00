import type { AlertEvent } from '@faultline/core';
import { JOB_NAMES, loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { alerterHarness } from './support/alerter-harness.ts';
import { startHttpSink } from './support/http-sink.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;

/** A health-probe transition of one model, as the health worker publishes it. */
function health(
  provider: string,
  model: string,
  state: 'firing' | 'resolved',
  overrides: Partial<AlertEvent> = {},
): AlertEvent {
  return billingEvent(provider, {
    id: `h-${seq++}`,
    source: 'health_probe',
    operation: 'health_check',
    model,
    state,
    reason: state === 'firing' ? 'first_failure' : 'recovered',
    occurredAt: new Date().toISOString(),
    ...overrides,
  });
}
const serverError = { category: 'server_error', severity: 'MEDIUM', isRetryable: true } as const;

describe('a recovery must cover what failed', () => {
  it("a key's billing incident is not resolved by a working sibling, only by the failing model's own recovery", async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '200ms', ALERT_RESOLVE_HOLD: '300ms' });
    await h.send(health('acme', 'broke', 'firing'));
    await until('the alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: BILLING_QUOTA[\s\S]*Model: broke/);
    // A sibling recovering (it never failed) and the hold passing: still one open incident, no mail.
    await h.send(health('acme', 'good', 'resolved'));
    await sleep(800);
    expect(h.entries()).toHaveLength(1);
    expect(await h.groups('billing_quota', 'open')).toHaveLength(1);
    await h.send(health('acme', 'broke', 'resolved'));
    await until('the resolution', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/RESOLVED: BILLING_QUOTA/);
    await h.close();
  });

  it('a key incident of two models lists both, and resolves when the last of them recovers', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '300ms', ALERT_RESOLVE_HOLD: '200ms' });
    await h.send(health('acme', 'm-b', 'firing'));
    await h.send(health('acme', 'm-a', 'firing', { reason: 'breaker_opened' }));
    await until('the alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/\nModels: m-a, m-b\n/);
    await h.send(health('acme', 'm-a', 'resolved'));
    await sleep(700);
    expect(h.entries()).toHaveLength(1);
    await h.send(health('acme', 'm-b', 'resolved'));
    await until('the resolution', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/RESOLVED: BILLING_QUOTA[\s\S]*\nModels: m-a, m-b\n/);
    await sleep(500);
    expect(h.entries()).toHaveLength(2);
    await h.close();
  });

  it('a firing that happened before the recovery it arrives after (a late delivery) does not reopen it', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_HOLD: '400ms' });
    const early = new Date().toISOString();
    await h.send(health('late', 'm', 'firing'));
    await until('the alert', () => h.entries().length >= 1);
    await h.send(health('late', 'm', 'resolved'));
    await sleep(50);
    await h.send(health('late', 'm', 'firing', { occurredAt: early }));
    await until('the resolution', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/RESOLVED: BILLING_QUOTA/);
    expect(h.entries()[1]).not.toMatch(/Flapping/);
    await h.close();
  });
});

describe('order does not matter: events carry when they happened', () => {
  const at = (ms: number) => new Date(Date.now() - 60_000 + ms).toISOString();
  it('a recovery delivered before the failure it ends (a retried firing) opens nothing', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms' });
    await h.send(health('order', 'm', 'resolved', { occurredAt: at(2000) }));
    await sleep(100);
    await h.send(health('order', 'm', 'firing', { reason: 'breaker_opened', occurredAt: at(1000) }));
    await sleep(600);
    expect(h.entries()).toEqual([]);
    expect(await h.groups('billing_quota', 'open')).toEqual([]);
    expect(await h.groups('billing_quota', 'pending')).toEqual([]);
    await h.close();
  });

  it("the late recovery of an earlier incident does not resolve the next one's", async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_HOLD: '100ms' });
    // Happened: failed (1 s), recovered (2 s), failed again (3 s). Delivered: the recovery last.
    await h.send(health('reorder', 'm', 'firing', { occurredAt: at(1000) }));
    await until('the alert', () => h.entries().length >= 1);
    await h.send(health('reorder', 'm', 'firing', { reason: 'breaker_opened', occurredAt: at(3000) }));
    await sleep(100);
    await h.send(health('reorder', 'm', 'resolved', { occurredAt: at(2000) }));
    await sleep(600);
    expect(h.entries()).toHaveLength(1);
    expect(await h.groups('billing_quota', 'open')).toHaveLength(1);
    await h.close();
  });
});

describe("a group's timer is part of its state", () => {
  /** Makes the next `flush` timer write fail, after the group script ran: a failover's READONLY, say. */
  function failNextFlushWrite() {
    const add = Queue.prototype.add;
    let armed = true;
    Queue.prototype.add = function (this: Queue, name: string, ...rest: unknown[]) {
      if (armed && this.name === QUEUES.alertGroups && name === JOB_NAMES.flush) {
        armed = false;
        return Promise.reject(new Error('READONLY You cannot write against a read only replica (injected)'));
      }
      return (add as (...a: unknown[]) => Promise<unknown>).call(this, name, ...rest);
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

  it('a first notification whose timer write failed (and whose event is not retried) still goes out', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_AFTER: '3s' });
    const fault = failNextFlushWrite();
    try {
      await h.send(health('timer', 'm', 'firing'));
      await until('the injected failure', () => fault.fired);
    } finally {
      fault.restore();
    }
    await until('the alert, from the sweep', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: BILLING_QUOTA/);
    await h.close();
  });

  it('an escalation whose timer write failed still goes out', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_AFTER: '3s' });
    await h.send(health('esc', 'm', 'firing', serverError));
    await until(
      'the first (Sentry-only) notification taken',
      async () => (await h.groups('server_error', 'open')).length === 1,
    );
    const fault = failNextFlushWrite();
    try {
      await h.send(
        health('esc', 'm', 'firing', { ...serverError, severity: 'CRITICAL', reason: 'breaker_opened' }),
      );
      await until('the injected failure', () => fault.fired);
    } finally {
      fault.restore();
    }
    await until('the escalation, from the sweep', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(
      /ALERT: SERVER_ERROR[\s\S]*Severity: CRITICAL[\s\S]*Reason: breaker_opened/,
    );
    await h.close();
  });
});

describe('the sweep that repairs lost timers repairs itself', () => {
  it('its scheduler, removed by hand, is back within a reschedule interval', async () => {
    const prefix = `{t-resweep-${process.pid}}`;
    const { env } = alerterEnv(redis.url, prefix);
    const alerter = startAlerter(loadConfig(AlerterConfig, env), pino({ level: 'silent' }), {
      sweepRescheduleMs: 200,
    });
    const timers = new Queue(QUEUES.alertGroups, { connection: { url: redis.url }, prefix });
    await until('scheduled', async () => Boolean(await timers.getJobScheduler(JOB_NAMES.quietSweep)));
    // The next reschedule may come at once (every 200 ms here): that it removed one is what counts.
    expect(await timers.removeJobScheduler(JOB_NAMES.quietSweep)).toBe(true);
    await until('scheduled again', async () => Boolean(await timers.getJobScheduler(JOB_NAMES.quietSweep)));
    await timers.close();
    await alerter.close();
  });
});

describe('an incident that does not stay put still reaches a person, once', () => {
  it('a CRITICAL incident over before its group wait is told as "fired and resolved", and nothing after', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '500ms', ALERT_RESOLVE_HOLD: '200ms' });
    await h.send(health('blip', 'm', 'firing'));
    await sleep(150);
    await h.send(health('blip', 'm', 'resolved'));
    await until('the alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: BILLING_QUOTA[\s\S]*\nFired and resolved: lasted \d+ s from /);
    await sleep(800);
    expect(h.entries()).toHaveLength(1);
    expect(await h.groups('billing_quota', 'open')).toEqual([]);
    await h.close();
  });

  it('a flapping MEDIUM model reaches people once, with its counts; no mail per cycle; one resolution when it settles', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '1s', ALERT_RESOLVE_HOLD: '600ms' });
    const cycle = async () => {
      await h.send(health('flappy', 'm', 'firing', serverError));
      await sleep(60);
      await h.send(health('flappy', 'm', 'resolved', serverError));
      await sleep(60);
    };
    for (let i = 0; i < 3; i++) await cycle();
    await h.send(health('flappy', 'm', 'firing', serverError));
    await until('the alert', () => h.entries().length >= 1);
    // How many cycles fit in the group wait depends on the machine; that it says so does not.
    expect(h.entries()[0]).toMatch(
      /ALERT: SERVER_ERROR[\s\S]*\nFlapping: fired \d+ times and resolved \d+ times? since /,
    );
    // It keeps flapping faster than the hold: no further mail.
    for (let i = 0; i < 6; i++) await cycle();
    await sleep(200);
    expect(h.entries()).toHaveLength(1);
    // It stops (last state: recovered) and stays up for the hold: one resolution with the counts. Ten
    // firing events, but two came in a row: it went down 9 times and came back 9 times.
    await until('the resolution', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(
      /RESOLVED: SERVER_ERROR[\s\S]*Flapping: fired 9 times and resolved 9 times/,
    );
    await sleep(700);
    expect(h.entries()).toHaveLength(2);
    await h.close();
  });

  it('a MEDIUM model whose cycle is longer than the group wait: people hear of it at its first flap', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_HOLD: '1s' });
    await h.send(health('slowflap', 'm', 'firing', serverError));
    await sleep(400);
    await h.send(health('slowflap', 'm', 'resolved', serverError));
    await sleep(400);
    expect(h.entries()).toHaveLength(0);
    await h.send(health('slowflap', 'm', 'firing', serverError));
    await until('the flapping alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/\nFlapping: fired 2 times and resolved 1 time since /);
    await h.close();
  });
});

describe('a job refused by an open breaker echoes the failure, it does not speak for it', () => {
  it('echoes alone tell no one; the failure itself, arriving after them, is told once', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '150ms' });
    for (let i = 0; i < 3; i++)
      await h.send(billingEvent('echo', { id: `echo-${i}`, reason: 'circuit_open', model: 'broke' }));
    await until('the group taken', async () => (await h.groups('billing_quota', 'open')).length === 1);
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(0);
    await h.send(health('echo', 'broke', 'firing', { reason: 'trial_failed' }));
    await until('the alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: BILLING_QUOTA[\s\S]*Reason: trial_failed/);
    await sleep(300);
    expect(h.entries()).toHaveLength(1);
    await h.close();
  });
});

describe('Sentry hears of every breaker opening', () => {
  it('each breaker_opened or trial_failed event is its own Sentry event with the model_health context, in its group', async () => {
    const sentry = await startHttpSink();
    const h = await alerterHarness(redis.url, {
      ALERT_GROUP_WAIT: '100ms',
      SENTRY_ENABLED: 'true',
      SENTRY_DSN: sentry.dsn,
    });
    await h.send(health('brk', 'm', 'firing', serverError));
    await h.send(health('brk', 'm', 'firing', { ...serverError, reason: 'breaker_opened' }));
    await h.send(health('brk', 'm', 'firing', { ...serverError, reason: 'trial_failed' }));
    // The group's own notification, and one event per opening: three Sentry events in one issue.
    await until('three Sentry events', () => sentry.sentryEvents().length >= 3);
    await sleep(300);
    const events = sentry.sentryEvents();
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => JSON.stringify(e.fingerprint))).size).toBe(1);
    const openings = events.filter((e) => /breaker_opened|trial_failed/.test(JSON.stringify(e.contexts)));
    expect(openings).toHaveLength(2);
    for (const e of events) expect(e.contexts).toHaveProperty('model_health');
    await sentry.close();
    await h.close();
  });
});

describe('invalid requests and unknown errors reach people as a burst, not one by one', () => {
  it('one of them stays in Sentry; BURST_ALERT_THRESHOLD of one provider within the window is one mail, at once', async () => {
    const h = await alerterHarness(redis.url, { ALERT_GROUP_WAIT: '200ms', BURST_ALERT_THRESHOLD: '5' });
    const unknown = (model: string) =>
      billingEvent('bursty', {
        id: `u-${seq++}`,
        category: 'unknown',
        severity: 'MEDIUM',
        reason: 'unrecognized',
        model,
      });
    await h.send(unknown('m0'));
    await until('the lone group taken', async () => (await h.groups('unknown', 'open')).length === 1);
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(0);
    for (let i = 1; i <= 5; i++) await h.send(unknown(`m${i}`));
    // One digest for the provider, as soon as the burst is sustained, naming the models.
    await until('the burst', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: UNKNOWN[\s\S]*\nModels: m0, m1, m2, m3, m4, m5\n/);
    for (let i = 6; i <= 9; i++) await h.send(unknown(`m${i}`));
    await until('every group taken', h.idle);
    await sleep(400);
    expect(h.entries()).toHaveLength(1);
    await h.close();
  });
});
