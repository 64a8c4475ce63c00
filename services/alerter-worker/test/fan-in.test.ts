import { readFileSync } from 'node:fs';
import { QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import {
  type AlerterProcess,
  alerterEnv,
  billingEvent,
  startAlerterProcess,
  until,
} from './support/alerter-env.ts';
import { startHttpSink } from './support/http-sink.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

let redis: TestRedis;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sentry: Awaited<ReturnType<typeof startHttpSink>>;
const procs: AlerterProcess[] = [];

beforeAll(async () => {
  [redis, smtp, sentry] = await Promise.all([startTestRedis(), startSmtpSink(), startHttpSink()]);
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all([smtp?.stop(), sentry?.close(), redis?.close()]);
});

describe('K alerter replicas send exactly what one would', () => {
  it('3 processes, 5,000 events in 10 groups: 10 e-mails, 10 Sentry events, 10 file entries, 4,990 suppressed', async () => {
    const prefix = '{t-fanin}';
    const { env } = alerterEnv(redis.url, prefix, {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SENTRY_ENABLED: 'true',
      SENTRY_DSN: sentry.dsn,
      // Long enough for 3 processes to absorb 5,000 events on a loaded 2-core machine: every one lands in its first notification.
      ALERT_GROUP_WAIT: '12s',
    });
    procs.push(
      ...(await Promise.all([startAlerterProcess(env), startAlerterProcess(env), startAlerterProcess(env)])),
    );
    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
    const providers = Array.from({ length: 10 }, (_, i) => `provider-${i}`);
    const events = Array.from({ length: 5000 }, (_, i) => billingEvent(providers[i % 10]!));
    for (let i = 0; i < events.length; i += 500) {
      await alerts.addBulk(
        events.slice(i, i + 500).map((e) => ({ name: 'alert', data: e, opts: { jobId: e.id } })),
      );
    }
    await until(
      '10 e-mails, 10 Sentry events and 10 file entries',
      () => {
        const fileEntries = readFileSafe(env.ALERT_FILE_PATH!).split(`${ENTRY_RULE}\nTIMESTAMP:`).length - 1;
        return smtp.mails.length >= 10 && sentry.sentryEvents().length >= 10 && fileEntries >= 10;
      },
      40_000,
    );
    // Give a late duplicate every chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails).toHaveLength(10);
    expect(sentry.sentryEvents()).toHaveLength(10);
    const file = readFileSync(env.ALERT_FILE_PATH!, 'utf8');
    expect(file.split(`${ENTRY_RULE}\nTIMESTAMP:`).length - 1).toBe(10);
    const suppressed = smtp.mails.map((m) => Number(/Suppressed: (\d+)/.exec(m.raw)?.[1]));
    expect(suppressed.reduce((a, b) => a + b, 0)).toBe(4990);
    expect(new Set(smtp.mails.map((m) => m.subject)).size).toBe(10);
    expect(smtp.mails[0]!.subject).toMatch(/Faultline Alert: Billing Quota \(provider-\d\)/);
    await alerts.close();
  }, 90_000);
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
