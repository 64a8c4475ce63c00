import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlerterProcess,
  alerterEnv,
  billingEvent,
  startAlerterProcess,
  until,
} from './support/alerter-env.ts';
import { startHttpSink } from './support/http-sink.ts';

let redis: TestRedis;
let sentry: Awaited<ReturnType<typeof startHttpSink>>;
let hook: Awaited<ReturnType<typeof startHttpSink>>;
let proc: AlerterProcess | undefined;

beforeAll(async () => {
  [redis, sentry, hook] = await Promise.all([startTestRedis(), startHttpSink(), startHttpSink()]);
});
afterAll(async () => {
  if (proc?.child.exitCode === null) proc.child.kill('SIGKILL');
  await Promise.all([sentry?.close(), hook?.close(), redis?.close()]);
});

describe('no secret reaches any channel or log', () => {
  it('a key in an error message appears in no mail, file entry, Sentry event, webhook or log line', async () => {
    const key = 'sk-proj-LeakedKey0123456789abcdefghijklmnop';
    const smtpPassword = 'smtp-pass-do-not-log-42';
    const webhookSecret = 'whsec-do-not-log-43';
    const { env, dir } = alerterEnv(redis.url, '{t-secrets}', {
      SENTRY_ENABLED: 'true',
      SENTRY_DSN: sentry.dsn,
      SMTP_USERNAME: 'user',
      SMTP_PASSWORD: smtpPassword,
      WEBHOOK_URLS: `${hook.url}/hook`,
      WEBHOOK_SECRET: webhookSecret,
      LOG_LEVEL: 'debug',
    });
    proc = await startAlerterProcess(env);
    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix: '{t-secrets}' });
    // A producer that did not redact: the key sits in the message, the request id and the context.
    await alerts.add(
      'alert',
      billingEvent('leaky', {
        message: `Incorrect API key provided: ${key}`,
        requestId: key,
        context: { error_message: `Bearer ${key}` },
      }),
    );
    await until('mailbox, file and Sentry', () => {
      try {
        return (
          readdirSync(join(dir, 'mail')).length >= 1 &&
          readFileSync(env.ALERT_FILE_PATH!, 'utf8').length > 0 &&
          sentry.sentryEvents().length >= 1 &&
          hook.received.length >= 1
        );
      } catch {
        return false;
      }
    });
    const mail = readdirSync(join(dir, 'mail'))
      .map((f) => readFileSync(join(dir, 'mail', f), 'utf8'))
      .join('\n');
    const file = readFileSync(env.ALERT_FILE_PATH!, 'utf8');
    const sentryText = JSON.stringify(sentry.received);
    const webhookText = JSON.stringify(hook.received);
    expect(mail).toContain('ALERT: BILLING_QUOTA');
    // With a secret, nothing warns that webhooks go out unsigned.
    expect(proc.output()).not.toMatch(/unsigned/);
    for (const [where, text] of [
      ['mail', mail],
      ['file', file],
      ['sentry', sentryText],
      ['webhook', webhookText],
      ['logs', proc.output()],
    ] as const) {
      expect({ where, leaked: text.includes(key) || text.includes('LeakedKey0123') }).toEqual({
        where,
        leaked: false,
      });
      expect({ where, leaked: text.includes(smtpPassword) }).toEqual({ where, leaked: false });
      expect({ where, leaked: text.includes(webhookSecret) }).toEqual({ where, leaked: false });
    }
    await alerts.close();
  }, 40_000);
});
