import { readFileSync } from 'node:fs';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { startHttpSink } from './support/http-sink.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

let redis: TestRedis;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sentry: Awaited<ReturnType<typeof startHttpSink>>;
let hook: Awaited<ReturnType<typeof startHttpSink>>;

beforeAll(async () => {
  [redis, smtp, sentry, hook] = await Promise.all([
    startTestRedis(),
    startSmtpSink(),
    startHttpSink(),
    startHttpSink(),
  ]);
});
afterAll(async () => {
  await Promise.all([smtp?.stop().catch(() => {}), sentry?.close(), hook?.close(), redis?.close()]);
});

function setup(prefix: string) {
  const { env } = alerterEnv(redis.url, prefix, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SENTRY_ENABLED: 'true',
    SENTRY_DSN: sentry.dsn,
    WEBHOOK_URLS: `${hook.url}/hook`,
    WEBHOOK_SECRET: 'whsec-test-secret',
  });
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
  return { cfg, alerter, alerts };
}

const entries = (path: string) => {
  try {
    return readFileSync(path, 'utf8').split(`${ENTRY_RULE}\nTIMESTAMP:`).length - 1;
  } catch {
    return 0;
  }
};

describe('delivery is retried from Redis, and one channel being down delays only its own deliveries', () => {
  it('SMTP down for a while, then back: every notification delivered exactly once', async () => {
    const { cfg, alerter, alerts } = setup('{t-smtp}');
    await smtp.stop();
    const before = smtp.mails.length;
    const groups = ['smtp-a', 'smtp-b', 'smtp-c'];
    for (const p of groups) await alerts.add('alert', billingEvent(p));
    // The file channel does not wait for SMTP.
    await until('file entries while SMTP is down', () => entries(cfg.ALERT_FILE_PATH) >= 3);
    expect(smtp.mails.length).toBe(before);
    await new Promise((r) => setTimeout(r, 800));
    await smtp.start();
    await until('mails after SMTP is back', () => smtp.mails.length - before >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const mine = smtp.mails.slice(before);
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(3);
    await alerts.close();
    await alerter.close();
  }, 60_000);

  it('the Sentry endpoint and a webhook failing: no loss, retried, the other channels unaffected', async () => {
    const { cfg, alerter, alerts } = setup('{t-sentry}');
    sentry.fail(500);
    hook.fail(503);
    const sentryBefore = sentry.sentryEvents().length;
    const hookBefore = hook.received.length;
    const mailsBefore = smtp.mails.length;
    for (const p of ['down-a', 'down-b']) await alerts.add('alert', billingEvent(p));
    await until(
      'mail and file while Sentry and the webhook fail',
      () => smtp.mails.length - mailsBefore >= 2 && entries(cfg.ALERT_FILE_PATH) >= 2,
    );
    expect(sentry.sentryEvents().length).toBe(sentryBefore);
    expect(hook.received.length).toBe(hookBefore);
    const retrying = new Queue(QUEUES.alertDeliveries, {
      connection: { url: redis.url },
      prefix: '{t-sentry}',
    });
    await until('failed attempts to be retried', async () => (await retrying.getDelayedCount()) > 0);
    sentry.fail(null);
    hook.fail(null);
    await until(
      'Sentry and the webhook to catch up',
      () => sentry.sentryEvents().length - sentryBefore >= 2 && hook.received.length - hookBefore >= 2,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(sentry.sentryEvents().length - sentryBefore).toBe(2);
    expect(hook.received.length - hookBefore).toBe(2);
    const delivered = hook.received.slice(hookBefore)[0]!;
    expect(delivered.headers['x-faultline-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const sentryEvent = sentry.sentryEvents().at(-1) as {
      tags: Record<string, string>;
      contexts: Record<string, unknown>;
      level: string;
      fingerprint: string[];
    };
    expect(sentryEvent.tags).toMatchObject({
      category: 'billing_quota',
      severity: 'CRITICAL',
      operation: 'chat.completion',
    });
    expect(sentryEvent.contexts.llm_error).toBeDefined();
    expect(sentryEvent.level).toBe('fatal');
    await retrying.close();
    await alerts.close();
    await alerter.close();
  }, 60_000);
});

describe('what Sentry receives, through the real SDK', () => {
  it('tags to filter on, a context named for the source, one fingerprint per group, level from severity', async () => {
    const { alerter, alerts } = setup('{t-sentry-fields}');
    const before = sentry.sentryEvents().length;
    const gen = billingEvent('fields-gw', { gateway: 'openrouter', model: 'llama-3.3-70b' });
    const probe = billingEvent('fields-probe', {
      source: 'health_probe',
      operation: 'health_check',
      category: 'server_error',
      severity: 'MEDIUM',
      isRetryable: true,
      model: 'qwen-72b',
      context: {
        model_id: 'qwen-72b',
        status: 'unhealthy',
        status_code: 503,
        response_time_ms: 41,
        error_count: 3,
        success_rate: 0.25,
        circuit_breaker_state: 'open',
        error_message: 'The service is temporarily unavailable.',
        last_failure: '2025-11-17T10:30:00.000Z',
      },
    });
    for (const e of [gen, probe]) await alerts.add('alert', e);
    type SentryEvent = {
      tags: Record<string, string>;
      contexts: Record<string, Record<string, unknown>>;
      level: string;
      fingerprint: string[];
      environment: string;
    };
    const events = await until('both groups in Sentry', () => {
      const mine = sentry.sentryEvents().slice(before) as SentryEvent[];
      return mine.length >= 2 ? mine : undefined;
    });
    const byProvider = new Map(events.map((e) => [e.tags.provider, e]));
    const g = byProvider.get('fields-gw')!;
    expect(g.tags).toEqual({
      provider: 'fields-gw',
      gateway: 'openrouter',
      model_id: 'llama-3.3-70b',
      operation: 'chat.completion',
      category: 'billing_quota',
      severity: 'CRITICAL',
      notification: 'firing',
    });
    expect(g.level).toBe('fatal');
    expect(g.contexts.llm_error).toMatchObject({ provider: 'fields-gw', reason: 'insufficient_quota' });
    expect(g.environment).toBe('production');
    const p = byProvider.get('fields-probe')!;
    expect(p.tags).toMatchObject({ gateway: 'none', model_id: 'qwen-72b', operation: 'health_check' });
    expect(p.level).toBe('warning');
    expect(p.contexts.llm_error).toBeUndefined();
    expect(p.contexts.model_health).toMatchObject({
      circuit_breaker_state: 'open',
      success_rate: 0.25,
      error_count: 3,
      status_code: 503,
    });
    // One Sentry issue per alert group: the fingerprint is the group's, not the event's.
    expect(g.fingerprint).toHaveLength(2);
    expect(g.fingerprint[0]).toBe('faultline');
    expect(g.fingerprint[1]).not.toBe(p.fingerprint[1]);
    await alerts.close();
    await alerter.close();
  }, 60_000);
});
