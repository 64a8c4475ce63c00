import { createHmac } from 'node:crypto';
import { alertSubject } from '@faultline/core';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { startHttpSink } from './support/http-sink.ts';

const SECRET = 'whsec-webhook-test';

let redis: TestRedis;
let up: Awaited<ReturnType<typeof startHttpSink>>;
let down: Awaited<ReturnType<typeof startHttpSink>>;
let slack: Awaited<ReturnType<typeof startHttpSink>>;

beforeAll(async () => {
  [redis, up, down, slack] = await Promise.all([
    startTestRedis(),
    startHttpSink(),
    startHttpSink(),
    startHttpSink(),
  ]);
});
afterAll(async () => {
  await Promise.all([up?.close(), down?.close(), slack?.close(), redis?.close()]);
});

function setup(prefix: string, extra: Record<string, string>) {
  const { env } = alerterEnv(redis.url, prefix, { ENABLE_EMAIL_ALERTS: 'false', ...extra });
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
  const deliveries = new Queue(QUEUES.alertDeliveries, { connection: { url: redis.url }, prefix });
  const idle = async () => {
    const c = await deliveries.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(c).every((v) => v === 0);
  };
  return {
    cfg,
    alerts,
    idle,
    async close() {
      await Promise.all([alerts.close(), deliveries.close()]);
      await alerter.close();
    },
  };
}

describe('each webhook URL is its own delivery', () => {
  it('a failing URL is retried alone; the URL that accepted is not sent the notification again', async () => {
    const h = setup('{t-hooks}', {
      WEBHOOK_URLS: `${up.url}/a,${down.url}/b`,
      WEBHOOK_SECRET: SECRET,
    });
    down.fail(503);
    await h.alerts.add('alert', billingEvent('hooked'));
    await until('the healthy URL to get it and the failing one to be retried', () => {
      return up.received.length >= 1 && down.attempts >= 3;
    });
    expect(up.received).toHaveLength(1);
    down.fail(null);
    await until('the failing URL to catch up', () => down.received.length >= 1);
    await until('every delivery to finish', h.idle);
    expect(up.received).toHaveLength(1);
    expect(down.received).toHaveLength(1);
    expect(JSON.parse(down.received[0]!.body).id).toBe(JSON.parse(up.received[0]!.body).id);
    await h.close();
  });

  it('signs the body: the signature is the HMAC-SHA256 of "<timestamp>.<body>" with WEBHOOK_SECRET', () => {
    const got = up.received[0]!;
    const timestamp = String(got.headers['x-faultline-timestamp']);
    expect(timestamp).toMatch(/^\d{10}$/);
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${got.body}`).digest('hex');
    expect(got.headers['x-faultline-signature']).toBe(`sha256=${expected}`);
    // Another body under the same timestamp would not carry this signature.
    const forged = createHmac('sha256', SECRET).update(`${timestamp}.${got.body} `).digest('hex');
    expect(got.headers['x-faultline-signature']).not.toBe(`sha256=${forged}`);
    expect(JSON.parse(got.body)).toMatchObject({
      kind: 'firing',
      occurrences: 1,
      event: { category: 'billing_quota', provider: 'hooked' },
    });
  });
});

describe('Slack gets an incoming-webhook message', () => {
  it('is {"text": "*<subject>*\\n```<alert text>```"}, unsigned', async () => {
    const h = setup('{t-slack}', { SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/token` });
    const event = billingEvent('slacked');
    await h.alerts.add('alert', event);
    await until('the Slack message', () => slack.received.length >= 1);
    const got = slack.received[0]!;
    expect(got.path).toBe('/services/T0/B0/token');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-faultline-signature']).toBeUndefined();
    const body = JSON.parse(got.body) as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    const subject = alertSubject(
      {
        kind: 'firing',
        event,
      } as Parameters<typeof alertSubject>[0],
      h.cfg.ALERT_SUBJECT_PREFIX,
    );
    expect(subject).toBe('🚨 Faultline Alert: Billing Quota (slacked)');
    expect(body.text.startsWith(`*${subject}*\n\`\`\`ALERT: BILLING_QUOTA\nSeverity: CRITICAL\n`)).toBe(true);
    expect(body.text).toMatch(/\nOccurrences: 1 since [^\n]+\nSuppressed: 0\n/);
    expect(body.text.endsWith('```')).toBe(true);
    await h.close();
  });
});
