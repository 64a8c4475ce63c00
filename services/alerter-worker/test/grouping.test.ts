import { readFileSync } from 'node:fs';
import type { AlertEvent } from '@faultline/core';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

let n = 0;
async function harness(extra: Record<string, string>) {
  const prefix = `{t-group-${n++}}`;
  const { env } = alerterEnv(redis.url, prefix, extra);
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
  const entries = () => {
    try {
      return readFileSync(cfg.ALERT_FILE_PATH, 'utf8')
        .split(`${ENTRY_RULE}\n`)
        .filter((e) => e.startsWith('TIMESTAMP:'));
    } catch {
      return [];
    }
  };
  const send = (e: AlertEvent) => alerts.add('alert', e);
  return {
    alerts,
    alerter,
    entries,
    send,
    async close() {
      await alerts.close();
      await alerter.close();
    },
  };
}

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
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', ALERT_REPEAT_INTERVAL: '1s' });
    await h.send(billingEvent('repeat'));
    await until('first notification', () => h.entries().length >= 1);
    for (let i = 0; i < 5; i++) await h.send(billingEvent('repeat'));
    await new Promise((r) => setTimeout(r, 1100));
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

  it('while a provider-wide incident fires, single-model alerts of that provider are held under it', async () => {
    const h = await harness({ ALERT_GROUP_WAIT: '100ms', RATE_LIMIT_ALERT_THRESHOLD: '1' });
    await h.send(billingEvent('incident'));
    await until('the incident', () => h.entries().length >= 1);
    await h.send(rateLimit('incident', 'gpt-4o'));
    await h.send(rateLimit('elsewhere', 'gpt-4o'));
    await until('the other provider alert', () => h.entries().length >= 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.entries()).toHaveLength(2);
    expect(h.entries()[1]).toMatch(/Provider: elsewhere/);
    await h.close();
  });
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
