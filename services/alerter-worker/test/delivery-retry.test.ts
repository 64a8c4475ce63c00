import { readFileSync } from 'node:fs';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { sentryRateLimitMs } from '../src/channels/sentry.ts';
import { webhookTarget } from '../src/channels/webhook.ts';
import { AlerterConfig } from '../src/config.ts';
import { deliveryBackoff, parseRetryAfter, RetryLaterError } from '../src/delivery-retry.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { startRejectingSmtp, startScriptedHttpSink } from './support/scripted-sinks.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

/**
 * `replicas` alerters on one prefix and one alert file, with the settings of the age-based retry:
 * DELIVERY_ATTEMPTS unset (the harness sets 30), so only DELIVERY_MAX_AGE ends the retries.
 */
function setup(prefix: string, extra: Record<string, string>, replicas = 1) {
  const { env } = alerterEnv(redis.url, prefix, { ENABLE_EMAIL_ALERTS: 'false', ...extra });
  delete env.DELIVERY_ATTEMPTS;
  const cfg = loadConfig(AlerterConfig, env);
  const alerters = Array.from({ length: replicas }, () => startAlerter(cfg, pino({ level: 'silent' })));
  const connection = { url: redis.url };
  const alerts = new Queue(QUEUES.alerts, { connection, prefix });
  const deliveries = new Queue(QUEUES.alertDeliveries, { connection, prefix });
  const entries = () => {
    try {
      return readFileSync(cfg.ALERT_FILE_PATH, 'utf8')
        .split(`${ENTRY_RULE}\n`)
        .filter((e) => e.startsWith('TIMESTAMP:'));
    } catch {
      return [];
    }
  };
  const jobsOf = async (target: string) =>
    (await deliveries.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])).filter(
      (j) => j?.data?.target === target,
    );
  return {
    cfg,
    alerts,
    deliveries,
    entries,
    jobsOf,
    async close() {
      await Promise.all([alerts.close(), deliveries.close()]);
      await Promise.all(alerters.map((a) => a.close()));
    },
  };
}

describe('deliveries retry by age, not by count', () => {
  it('SMTP down for longer than the old 10-attempt budget: every mail arrives once after it returns, with no manual step', async () => {
    const smtp = await startSmtpSink();
    // 10 ms doubling: the old 10 attempts were spent in about 5 s.
    const h = setup('{t-age-smtp}', {
      ENABLE_EMAIL_ALERTS: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      DELIVERY_BACKOFF: '10ms',
      DELIVERY_BACKOFF_MAX: '300ms',
    });
    try {
      await smtp.stop();
      for (const p of ['age-a', 'age-b', 'age-c']) await h.alerts.add('alert', billingEvent(p));
      await until('file entries while SMTP is down', () => h.entries().length >= 3);
      await until(
        'each mail to have been tried more often than the old budget allowed',
        async () => {
          const jobs = await h.jobsOf('email');
          return jobs.length === 3 && jobs.every((j) => j.attemptsMade >= 12);
        },
        30_000,
      );
      expect(await h.deliveries.getFailedCount()).toBe(0);
      expect(smtp.mails).toHaveLength(0);
      await smtp.start();
      await until('the 3 mails after SMTP is back', () => smtp.mails.length >= 3, 10_000);
      await new Promise((r) => setTimeout(r, 800));
      expect(smtp.mails).toHaveLength(3);
      expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(3);
      expect(await h.deliveries.getFailedCount()).toBe(0);
    } finally {
      await h.close();
      await smtp.stop().catch(() => {});
    }
  }, 60_000);
});

describe('permanent answers fail at once, the answer kept', () => {
  it('an SMTP server answering 550: one attempt, the 550 text in the failed reason', async () => {
    const smtp = await startRejectingSmtp(
      550,
      '5.1.1 <oncall@example.com>: Recipient address rejected: User unknown',
    );
    const h = setup('{t-smtp-550}', {
      ENABLE_EMAIL_ALERTS: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
    });
    try {
      await h.alerts.add('alert', billingEvent('rejected'));
      const [job] = await until('the mail delivery to fail', async () => {
        const failed = await h.deliveries.getFailed();
        return failed.length ? failed : undefined;
      });
      expect(job!.data.target).toBe('email');
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(/550/);
      expect(job!.failedReason).toMatch(/Recipient address rejected: User unknown/);
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.rcpts).toBe(1);
      // Kept by age and count for `faultline alerts retry-failed`, not forever.
      expect(job!.opts.removeOnFail).toEqual({ age: 30 * 86_400, count: 10_000 });
    } finally {
      await h.close();
      await smtp.close();
    }
  }, 30_000);

  it('a webhook answering 400: one attempt, the status and its words in the failed reason', async () => {
    const hook = await startScriptedHttpSink(() => ({ status: 400, body: 'invalid_payload' }));
    const h = setup('{t-hook-400}', { WEBHOOK_URLS: `${hook.url}/hook` });
    try {
      await h.alerts.add('alert', billingEvent('refused'));
      const [job] = await until('the webhook delivery to fail', async () => {
        const failed = await h.deliveries.getFailed();
        return failed.length ? failed : undefined;
      });
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toBe(
        `webhook 127.0.0.1:${new URL(hook.url).port} answered HTTP 400: invalid_payload`,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(hook.requests).toHaveLength(1);
    } finally {
      await h.close();
      await hook.close();
    }
  }, 30_000);
});

describe('Retry-After and Sentry rate limits set the next delay', () => {
  it('a webhook answering 429 with Retry-After: 1: the next attempt waits at least 1 s', async () => {
    const hook = await startScriptedHttpSink(({ n }) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : undefined,
    );
    const h = setup('{t-hook-429}', { WEBHOOK_URLS: `${hook.url}/hook` });
    try {
      await h.alerts.add('alert', billingEvent('throttled'));
      await until('the webhook to accept it', () => hook.accepted().length >= 1, 10_000);
      const [first, second] = hook.requests;
      expect(first!.status).toBe(429);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
      expect(hook.requests).toHaveLength(2);
    } finally {
      await h.close();
      await hook.close();
    }
  }, 30_000);

  it('Sentry answering 429 with Retry-After longer than the old budget: the event is accepted later, no failed job', async () => {
    const sentry = await startScriptedHttpSink(({ n }) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '6' } } : undefined,
    );
    // 10 ms doubling: the old 10 attempts were spent in about 5 s, inside the 6 s Sentry asked for.
    const h = setup('{t-sentry-429}', {
      SENTRY_ENABLED: 'true',
      SENTRY_DSN: sentry.dsn,
      DELIVERY_BACKOFF: '10ms',
      DELIVERY_BACKOFF_MAX: '300ms',
    });
    try {
      await h.alerts.add('alert', billingEvent('sentry-limited'));
      await until('Sentry to accept the event', () => sentry.sentryEvents().length >= 1, 15_000);
      const [first, second] = sentry.requests;
      expect(first!.status).toBe(429);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(6000);
      const jobs = await until('the Sentry delivery to complete', async () => {
        const mine = await h.jobsOf('sentry');
        const states = await Promise.all(mine.map((j) => j.getState()));
        return mine.length && states.every((st) => st === 'completed') ? mine : undefined;
      });
      expect(jobs[0]!.attemptsMade).toBe(2);
      expect(await h.deliveries.getFailedCount()).toBe(0);
      expect(sentry.sentryEvents()).toHaveLength(1);
    } finally {
      await h.close();
      await sentry.close();
    }
  }, 30_000);
});

describe('a delivery target failing for long raises one meta-alert on the other channels', () => {
  it('one "failing since" and one recovery, with two alerter replicas; none sent to the failing target', async () => {
    let down = true;
    const hook = await startScriptedHttpSink(() => (down ? { status: 503, body: 'maintenance' } : undefined));
    const h = setup(
      '{t-meta}',
      {
        WEBHOOK_URLS: `${hook.url}/hook`,
        DELIVERY_BACKOFF: '50ms',
        DELIVERY_BACKOFF_MAX: '200ms',
        DELIVERY_FAILING_ALERT_AFTER: '1s',
      },
      2,
    );
    const target = webhookTarget(`${hook.url}/hook`);
    const failing = () => h.entries().filter((e) => e.includes(`${target} delivery failing since`));
    const recovered = () =>
      h
        .entries()
        .filter(
          (e) => e.startsWith('TIMESTAMP') && e.includes('RESOLVED') && e.includes(`${target} delivery`),
        );
    try {
      await h.alerts.add('alert', billingEvent('meta'));
      await until('the alert in the file', () => h.entries().length >= 1);
      const [meta] = await until('the meta-alert in the file', () =>
        failing().length ? failing() : undefined,
      );
      expect(meta).toMatch(/answered HTTP 503: maintenance/);
      expect(meta).toMatch(/Severity: HIGH/);
      // More failures past the threshold, on both replicas: still one.
      const attempts = hook.requests.length;
      await until('more failed attempts', () => hook.requests.length >= attempts + 5);
      expect(failing()).toHaveLength(1);
      expect(recovered()).toHaveLength(0);
      down = false;
      await until('the recovery in the file', () => recovered().length >= 1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(failing()).toHaveLength(1);
      expect(recovered()).toHaveLength(1);
      expect(recovered()[0]).toMatch(/Provider: webhook-[0-9a-f]{12} delivery/);
      // The webhook got the alert once, and neither meta-alert.
      expect(hook.accepted()).toHaveLength(1);
      expect(JSON.parse(hook.accepted()[0]!.body).event.provider).toBe('meta');
    } finally {
      await h.close();
      await hook.close();
    }
  }, 30_000);
});

describe('the retry arithmetic', () => {
  const policy = { firstMs: 1000, maxMs: 300_000, maxAgeMs: 86_400_000, retryAfterMaxMs: 600_000 };
  const job = (ageMs: number) => ({ timestamp: Date.now() - ageMs }) as never;

  it('doubles from DELIVERY_BACKOFF up to DELIVERY_BACKOFF_MAX, with at most 20 % taken off at random', () => {
    const backoff = deliveryBackoff(policy);
    for (const [attempt, full] of [
      [1, 1000],
      [2, 2000],
      [5, 16_000],
      [12, 300_000],
      [500, 300_000],
    ] as const) {
      const d = backoff(attempt, 'delivery', new Error('x'), job(0));
      expect(d).toBeLessThanOrEqual(full);
      expect(d).toBeGreaterThanOrEqual(full * 0.8);
    }
  });

  it('gives up (-1) at DELIVERY_MAX_AGE, and the last wait ends at it', () => {
    const backoff = deliveryBackoff(policy);
    expect(backoff(3, 'delivery', new Error('x'), job(86_400_000))).toBe(-1);
    expect(backoff(30, 'delivery', new Error('x'), job(86_400_000 - 5000))).toBeLessThanOrEqual(5000);
  });

  it('a Retry-After is the next delay: never below DELIVERY_BACKOFF, at most DELIVERY_RETRY_AFTER_MAX', () => {
    const backoff = deliveryBackoff(policy);
    const later = (ms: number) => backoff(1, 'delivery', new RetryLaterError('429', ms), job(0));
    expect(later(30_000)).toBeGreaterThanOrEqual(30_000);
    expect(later(30_000)).toBeLessThanOrEqual(33_000);
    expect(later(0)).toBeGreaterThanOrEqual(1000);
    expect(later(86_400_000)).toBe(600_000);
  });

  it('reads Retry-After as seconds or a date, and Sentry limits as the SDK does', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(
      sentryRateLimitMs(429, {
        'x-sentry-rate-limits': '60:transaction:key, 2700:error;default:organization',
      }),
    ).toBe(2_700_000);
    expect(sentryRateLimitMs(429, { 'x-sentry-rate-limits': '60::organization' })).toBe(60_000);
    expect(sentryRateLimitMs(200, { 'x-sentry-rate-limits': '60:transaction:key' })).toBeUndefined();
    expect(sentryRateLimitMs(429, { 'retry-after': '7' })).toBe(7000);
    expect(sentryRateLimitMs(429, {})).toBe(60_000);
    expect(sentryRateLimitMs(500, {})).toBeUndefined();
  });
});
