import { fingerprintOf } from '@faultline/core';
import { loadConfig, QUEUES, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { AlerterConfig } from '../src/config.ts';
import { jobIds } from '../src/jobs.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

// Review L4 (a), end to end: a delivery that gave up stays in the failed set under its job id; a
// group reborn after its hash expired must not name its notification the same way, or the new
// incident's e-mail is a no-op add. Review L4 (b), a reused generation job id ('canary', removed on
// failure) giving two events, is services/generation-worker/test/reused-job-ids.test.ts.

const GROUP_WAIT_MS = 300;

let redis: TestRedis;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let db: Redis;

beforeAll(async () => {
  [redis, smtp] = await Promise.all([startTestRedis(), startSmtpSink()]);
  db = new Redis(redis.url);
});

afterAll(async () => {
  db?.disconnect();
  await Promise.all([smtp?.stop().catch(() => {}), redis?.close()]);
});

/** An alerter mailing the sink, whose deliveries give up after 1 s of refusals. */
function alerterOn(prefix: string, extra: Record<string, string> = {}) {
  const { env } = alerterEnv(redis.url, prefix, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ALERT_GROUP_WAIT: `${GROUP_WAIT_MS}ms`,
    DELIVERY_MAX_AGE: '1s',
    DELIVERY_BACKOFF: '100ms',
    DELIVERY_BACKOFF_MAX: '200ms',
    ...extra,
  });
  // Deprecated: the retry budget is DELIVERY_MAX_AGE alone here.
  delete env.DELIVERY_ATTEMPTS;
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const connection = { url: redis.url };
  const alerts = new Queue(QUEUES.alerts, { connection, prefix });
  const deliveries = new Queue(QUEUES.alertDeliveries, { connection, prefix });
  const timers = new Queue(QUEUES.alertGroups, { connection, prefix });
  return {
    cfg,
    alerts,
    deliveries,
    timers,
    send: (e: ReturnType<typeof billingEvent>) => alerts.add('alert', e, { jobId: e.id }),
    async close() {
      await Promise.all([alerts.close(), deliveries.close(), timers.close()]);
      await alerter.close();
    },
  };
}

/**
 * The first incident of `provider`: SMTP refuses it until its e-mail delivery gives up (DELIVERY_MAX_AGE)
 * and is kept in the failed set. Returns the group's fingerprint and the failed job's id; SMTP stays down.
 */
async function firstIncidentFailsForGood(a: ReturnType<typeof alerterOn>, provider: string) {
  await smtp.stop();
  const first = billingEvent(provider);
  const fp = fingerprintOf(first);
  await a.send(first);
  const failed = await until('the e-mail delivery to fail for good', async () =>
    (await a.deliveries.getFailed()).find((j) => j.id?.endsWith('-email')),
  );
  expect(failed.id?.startsWith(`${fp}-1-`)).toBe(true);
  return { fp, failedId: failed.id! };
}

const emailJobIds = async (a: ReturnType<typeof alerterOn>) =>
  (await a.deliveries.getJobs(['completed', 'failed']))
    .map((j) => j.id ?? '')
    .filter((id) => id.endsWith('-email'));

describe('a group reborn after its hash expired is notified again (L4 a)', () => {
  it('SMTP down until the first e-mail fails for good; its hash goes while its jobs are kept; SMTP back: one e-mail for the new incident, within the group wait', async () => {
    const provider = 'reuse-ttl';
    const a = alerterOn('{t-id-reuse-ttl}');
    try {
      const { fp, failedId } = await firstIncidentFailsForGood(a, provider);
      const before = smtp.mails.length;
      // The hash goes (its TTL, or deleted by hand) while the first incident's flush job and its
      // failed delivery are still kept: the new incident starts again at generation 1.
      const group = redisKeys('{t-id-reuse-ttl}').alertGroup(fp);
      const firstSeen = Number(await db.hget(group, 'firstSeen'));
      expect(await db.del(group)).toBe(1);
      expect(await a.timers.getJob(jobIds.flush(fp, 1, firstSeen))).toBeDefined();
      await smtp.start();

      const second = billingEvent(provider);
      expect(fingerprintOf(second)).toBe(fp);
      const sentAt = Date.now();
      await a.send(second);
      const mail = await until('the new incident’s e-mail', () => smtp.mails[before], 15_000);
      const tookMs = Date.now() - sentAt;
      expect(mail.subject).toBe(`🚨 Faultline Alert: Billing Quota (${provider})`);
      expect(tookMs).toBeLessThan(GROUP_WAIT_MS + 5_000);
      // One e-mail: the old failed delivery is neither replayed nor the new one's id.
      await until('the new delivery to complete', async () => (await emailJobIds(a)).length === 2);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(smtp.mails.length - before).toBe(1);
      const ids = await emailJobIds(a);
      expect(new Set(ids).size).toBe(2);
      expect(ids).toContain(failedId);
      expect((await a.deliveries.getJob(failedId))?.failedReason).toMatch(/ECONNREFUSED/);
    } finally {
      await a.close();
    }
  }, 40_000);
});
