import type { AlertEvent } from '@faultline/core';
import { QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingEvent, until } from './support/alerter-env.ts';
import { alerterHarness } from './support/alerter-harness.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

const harness = (extra: Record<string, string>) => alerterHarness(redis.url, extra);

const rateLimit = (provider: string, model = 'm1'): AlertEvent =>
  billingEvent(provider, {
    category: 'rate_limit',
    severity: 'HIGH',
    reason: 'rate_limited',
    isRetryable: true,
    model,
  });
const serverError = (provider: string, model: string): AlertEvent =>
  billingEvent(provider, {
    category: 'server_error',
    severity: 'MEDIUM',
    reason: 'internal_error',
    isRetryable: true,
    model,
  });

describe('deduplication: the first event of a group notifies after the group wait, carrying the rest', () => {
  it('12 events of one group make one entry saying 12 occurrences, 11 suppressed', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '500ms' });
    for (let i = 0; i < 12; i++) await h.send(billingEvent('dedup'));
    await until('the notification', () => h.entries().length >= 1);
    await new Promise((r) => setTimeout(r, 700));
    const [entry, ...rest] = h.entries();
    expect(rest).toEqual([]);
    expect(entry).toMatch(/Occurrences: 12 since/);
    expect(entry).toMatch(/Suppressed: 11/);
    await h.close();
  });

  it('later events within the repeat interval are counted, and the next notification reports them', async () => {
    // 3 s: room for five sends inside the interval on a loaded machine.
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', ALERT_REPEAT_INTERVAL: '3s' });
    await h.send(billingEvent('repeat'));
    await until('first notification', () => h.entries().length >= 1);
    const notifiedAt = Date.now();
    for (let i = 0; i < 5; i++) await h.send(billingEvent('repeat'));
    // The interval has to pass: there is nothing to wait on but the clock.
    await new Promise((r) => setTimeout(r, Math.max(0, notifiedAt + 3100 - Date.now())));
    await h.send(billingEvent('repeat'));
    await until('the repeat notification', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/Occurrences: 6 since/);
    expect(h.entries()[1]).toMatch(/Suppressed: 5/);
    await h.close();
  });
});

describe('routing', () => {
  it('MEDIUM events go to Sentry only; a rate limit notifies people only when sustained', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', RATE_LIMIT_ALERT_THRESHOLD: '5' });
    await h.send(serverError('quiet', 'm1'));
    await h.send(rateLimit('bursty', 'm1'));
    await new Promise((r) => setTimeout(r, 600));
    expect(h.entries()).toEqual([]);
    for (let i = 0; i < 5; i++) await h.send(rateLimit('sustained', 'm2'));
    await until('the sustained rate-limit alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/ALERT: RATE_LIMIT[\s\S]*Provider: sustained/);
    await h.close();
  });

  it('ALERT_NOTIFY_MIN_SEVERITY=MEDIUM sends MEDIUM groups to people too; LOW ones still stay in Sentry', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', ALERT_NOTIFY_MIN_SEVERITY: 'medium' });
    await h.send({ ...serverError('noticed', 'm1') });
    await h.send({ ...serverError('unnoticed', 'm1'), category: 'network_error', severity: 'LOW' });
    await until('the MEDIUM alert', () => h.entries().length >= 1);
    // The LOW group was taken too (to Sentry), and its deliveries are done: nothing more can come.
    await until('the LOW group taken', async () => (await h.groups('network_error', 'open')).length === 1);
    await until('every delivery done', h.idle);
    expect(h.entries()).toHaveLength(1);
    expect(h.entries()[0]).toMatch(/ALERT: SERVER_ERROR[\s\S]*Provider: noticed/);
    await h.close();
  });

  it('while a key-wide incident fires, single-model alerts of that provider are held under it', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', RATE_LIMIT_ALERT_THRESHOLD: '1' });
    // insufficient_quota is documented as key-wide at openai: it speaks for every model of the key.
    await h.send(billingEvent('openai'));
    await until('the incident', () => h.entries().length >= 1);
    await h.send(rateLimit('openai', 'gpt-4o'));
    await h.send(rateLimit('elsewhere', 'gpt-4o'));
    await until('the other provider alert', () => h.entries().length >= 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.entries()).toHaveLength(2);
    expect(h.entries()[1]).toMatch(/Provider: elsewhere/);
    await h.close();
  });

  it("an incident holds only what it speaks for: its failing models' alerts, not another model's own news", async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', RATE_LIMIT_ALERT_THRESHOLD: '1' });
    // acme documents nothing: the incident covers the model that failed (gpt-4o-mini), no other.
    await h.send(billingEvent('acme'));
    await until('the incident', () => h.entries().length >= 1);
    await h.send(rateLimit('acme', 'gpt-4o-mini'));
    await h.send({ ...serverError('acme', 'old-model'), category: 'model_error', reason: 'model_not_found' });
    await until('the model gone', () => h.entries().length >= 2);
    await until('every group taken', async () => (await h.groups('rate_limit', 'open')).length === 1);
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(2);
    expect(h.entries()[1]).toMatch(/ALERT: MODEL_ERROR[\s\S]*Model: old-model/);
    await h.close();
  });
});

describe('inhibition lasts as long as the incident group is open', () => {
  it('an incident busy for longer than ALERT_RESOLVE_AFTER still holds single-model alerts, until it resolves', async () => {
    const h = await harness({
      ALERT_GROUP_WAIT: '100ms',
      ALERT_RESOLVE_AFTER: '1500ms',
      ALERT_REPEAT_INTERVAL: '1h',
      RATE_LIMIT_ALERT_THRESHOLD: '1',
    });
    await h.send(billingEvent('openai'));
    await until('the incident', () => h.entries().length >= 1);
    // Its events keep the group open for longer than one quiet period, with no repeat due meanwhile.
    for (const end = Date.now() + 2500; Date.now() < end; ) {
      await h.send(billingEvent('openai'));
      await new Promise((r) => setTimeout(r, 200));
    }
    await h.send(rateLimit('openai', 'gpt-4o'));
    await until(
      'the single-model group to be taken',
      async () => (await h.groups('rate_limit', 'open')).length,
    );
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(1);

    await until('the incident to resolve', () => h.entries().some((e) => /RESOLVED: BILLING_QUOTA/.test(e)));
    expect(h.entries().find((e) => /RESOLVED: BILLING_QUOTA/.test(e))).toMatch(
      /1 single-model alert held under this incident/,
    );
    await until('the held group to resolve', async () => (await h.groups('rate_limit', 'resolved')).length);
    await until('its resolution delivered', h.idle);
    // People never heard of the held alert, so they do not hear of its end either.
    expect(h.entries().filter((e) => /RATE_LIMIT/.test(e))).toEqual([]);
    await h.send(rateLimit('openai', 'gpt-4o-2'));
    await until('a single-model alert after the incident', () =>
      h.entries().some((e) => /ALERT: RATE_LIMIT/.test(e)),
    );
    await h.close();
  }, 20_000);

  it("the incident's next notification says how many single-model alerts were held under it", async () => {
    const h = await harness({
      ALERT_GROUP_WAIT: '100ms',
      ALERT_REPEAT_INTERVAL: '1s',
      RATE_LIMIT_ALERT_THRESHOLD: '1',
    });
    await h.send(billingEvent('openai'));
    await until('the incident', () => h.entries().length >= 1);
    const notifiedAt = Date.now();
    await h.send(rateLimit('openai', 'model-a'));
    await h.send(rateLimit('openai', 'model-b'));
    await until(
      'both single-model groups taken',
      async () => (await h.groups('rate_limit', 'open')).length === 2,
    );
    await until('their deliveries', h.idle);
    expect(h.entries()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, Math.max(0, notifiedAt + 1100 - Date.now())));
    await h.send(billingEvent('openai'));
    await until('the repeat', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/2 single-model alerts held under this incident/);
    expect(h.entries()[0]).not.toMatch(/held under this incident/);
    await h.close();
  });
});

describe('health-probe groups resolve only when the health worker reports recovery', () => {
  it('a model down for longer than the quiet period stays open and its provider incident keeps inhibiting', async () => {
    const h = await harness({
      ALERT_GROUP_WAIT: '100ms',
      ALERT_RESOLVE_AFTER: '500ms',
      RATE_LIMIT_ALERT_THRESHOLD: '1',
    });
    const down: AlertEvent = {
      ...serverError('probed', 'm1'),
      source: 'health_probe',
      operation: 'health_check',
      reason: 'breaker_opened',
      severity: 'CRITICAL',
    };
    const outage: AlertEvent = {
      ...down,
      operation: 'availability_check',
      reason: 'provider_outage',
      model: null,
    };
    await h.send(down);
    await h.send(outage);
    // The outage holds the critical model's own alert from its first event: one mail, not two.
    await until('the outage alert', () => h.entries().length >= 1);
    await until('every group taken', async () => (await h.groups('server_error', 'open')).length === 2);
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(1);
    expect(h.entries()[0]).toMatch(/ALERT: SERVER_ERROR[\s\S]*Reason: provider_outage/);
    // The health worker sends nothing while the model stays down: several quiet periods pass.
    await h.sweeps(4);
    expect(h.entries()).toHaveLength(1);
    expect(await h.groups('server_error', 'open')).toEqual(expect.arrayContaining(['m1', null]));

    await h.send(rateLimit('probed', 'gpt-x'));
    await until(
      'the single-model group to be taken',
      async () => (await h.groups('rate_limit', 'open')).length,
    );
    await until('its deliveries', h.idle);
    expect(h.entries()).toHaveLength(1);

    await h.send({ ...down, id: 'recovered-m1', state: 'resolved', reason: 'recovered', severity: 'MEDIUM' });
    await until('the recovery', async () => (await h.groups('server_error', 'resolved')).includes('m1'));
    await until('its deliveries', h.idle);
    // People never heard of m1's own alert (held under the outage), so not of its end either.
    expect(h.entries()).toHaveLength(1);
    expect(await h.groups('server_error', 'open')).toEqual([null]);
    await h.close();
  }, 20_000);
});

describe('resolution', () => {
  it('a recovery closes the group with one resolved notification saying how long and how many', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms' });
    for (let i = 0; i < 3; i++) await h.send(billingEvent('recovering'));
    await until('the alert', () => h.entries().length >= 1);
    await h.send(billingEvent('recovering', { state: 'resolved' }));
    await until('the resolution', () => h.entries().length >= 2);
    expect(h.entries()[1]).toMatch(/RESOLVED: BILLING_QUOTA[\s\S]*Resolved after \d+ s: 3 events between/);
    await h.close();
  });

  it('a group with no new event for the quiet period resolves by itself', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', ALERT_RESOLVE_AFTER: '600ms' });
    await h.send(billingEvent('fading'));
    await until('the resolution', () => h.entries().length >= 2, 10_000);
    expect(h.entries()[1]).toMatch(/RESOLVED: BILLING_QUOTA/);
    const rows = await h.alerter.groups.list();
    expect(rows.find((r) => r.state === 'resolved')).toBeDefined();
    await h.close();
  });
});

describe('the hourly cap', () => {
  it('holds back a storm of distinct groups and says so in one summary', async () => {
    const h = await harness({
      ALERT_GROUP_WAIT: '50ms',
      ALERT_MAX_PER_HOUR: '3',
      ENABLE_EMAIL_ALERTS: 'false',
    });
    for (let i = 0; i < 6; i++) await h.send(billingEvent(`storm-${i}`));
    await until('3 alerts', () => h.entries().length >= 3);
    await new Promise((r) => setTimeout(r, 600));
    expect(h.entries()).toHaveLength(3);
    const timers = new Queue(QUEUES.alertGroups, {
      connection: { url: redis.url },
      prefix: h.alerts.opts.prefix as string,
    });
    const summary = (await timers.getDelayed()).find((j) => j.name === 'cap-summary');
    expect(summary?.data).toMatchObject({ channel: 'file' });
    await summary!.promote();
    await until('the summary', () => h.entries().length >= 4);
    expect(h.entries()[3]).toMatch(/3 notifications were held back/);
    await timers.close();
    await h.close();
  });
});

describe('malformed events', () => {
  it('are rejected naming the field and kept in the failed set', async () => {
    const h = await harness({});
    const job = await h.alerts.add('alert', { id: 'bad', category: 'nonsense' });
    await until('the job to fail', async () => (await job.getState()) === 'failed');
    const failed = await h.alerts.getJob(job.id!);
    expect(failed!.failedReason).toMatch(/AlertEvent is invalid: .*category/);
    expect(failed!.attemptsMade).toBe(1);
    await h.close();
  });
});

describe('escalation', () => {
  it('a more severe event in an open group becomes its face and notifies at once', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', ALERT_REPEAT_INTERVAL: '1h' });
    const medium = serverError('escalating', 'critical-model');
    await h.send({ ...medium, source: 'health_probe', reason: 'first_failure' });
    await new Promise((r) => setTimeout(r, 500));
    // MEDIUM goes to Sentry only: nothing in the file yet.
    expect(h.entries()).toEqual([]);
    await h.send({ ...medium, source: 'health_probe', reason: 'breaker_opened', severity: 'CRITICAL' });
    await until('the escalated alert', () => h.entries().length >= 1);
    expect(h.entries()[0]).toMatch(/Severity: CRITICAL/);
    await h.close();
  });
});
