import { readFileSync } from 'node:fs';
import { type AlertEvent, fingerprintOf } from '@faultline/core';
import { createRedis, loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALLS_TOLERATED, startAlerter } from '../src/alerter.ts';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';

let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});

/**
 * Every add to the deliveries queue fails while this lasts, the way it would in a Redis blip: BullMQ's
 * add script starts with an INCR of the queue's id counter, which errors on a non-integer before the
 * script writes anything. Jobs already queued keep running.
 */
function deliveriesDown(prefix: string) {
  const key = `${prefix}:${QUEUES.alertDeliveries}:id`;
  return {
    start: () => client.set(key, 'redis-blip'),
    end: () => client.del(key),
  };
}

function harness(prefix: string, extra: Record<string, string>) {
  const { env } = alerterEnv(redis.url, prefix, { ENABLE_EMAIL_ALERTS: 'false', ...extra });
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
  const timers = new Queue(QUEUES.alertGroups, { connection: { url: redis.url }, prefix });
  const entries = () => {
    try {
      return readFileSync(cfg.ALERT_FILE_PATH, 'utf8')
        .split(`${ENTRY_RULE}\n`)
        .filter((e) => e.startsWith('TIMESTAMP:'));
    } catch {
      return [];
    }
  };
  return {
    alerts,
    timers,
    entries,
    alerter,
    send: (e: AlertEvent) => alerts.add('alert', e),
    async close() {
      await Promise.all([alerts.close(), timers.close()]);
      await alerter.close();
    },
  };
}

describe('a failure between taking a notification and queueing its deliveries loses nothing', () => {
  it('the retried flush sends the notification it took, counted once against the cap', async () => {
    const prefix = '{t-flush-retry}';
    const h = harness(prefix, { ALERT_GROUP_WAIT: '100ms', ALERT_MAX_PER_HOUR: '1' });
    const blip = deliveriesDown(prefix);
    await blip.start();
    const event = billingEvent('blip');
    await h.send(event);
    const flushJob = async () =>
      (await h.timers.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed'])).find(
        (j) => j.name === 'flush' && j.data.fingerprint === fingerprintOf(event),
      );
    await until('the flush to fail once', async () => ((await flushJob())?.attemptsMade ?? 0) >= 1);
    expect(h.entries()).toEqual([]);
    await blip.end();
    await until('the notification', () => h.entries().length >= 1, 10_000);
    await until('the flush to complete', async () => (await flushJob())?.finishedOn);
    expect(h.entries()).toHaveLength(1);
    expect(h.entries()[0]).toMatch(/Occurrences: 1 since/);
    // Had the failed attempt counted against the cap of 1, the retry would have been held back.
    expect((await h.timers.getDelayed()).filter((j) => j.name === 'cap-summary')).toEqual([]);
    await h.close();
  });

  it('a notification whose flush is not retried (ALERT_GROUP_WAIT=0, one attempt) is sent by the sweep', async () => {
    const prefix = '{t-flush-sweep}';
    const h = harness(prefix, { ALERT_GROUP_WAIT: '0', ALERT_RESOLVE_AFTER: '2s' });
    const blip = deliveriesDown(prefix);
    await blip.start();
    // Flushed inline in the event's own job, which has a single attempt and fails with the blip.
    const job = await h.send(billingEvent('no-retry'));
    await until('the event job to fail', async () => (await job.getState()) === 'failed');
    expect(h.entries()).toEqual([]);
    await blip.end();
    await until('the notification, from the sweep', () => h.entries().length >= 1, 10_000);
    expect(h.entries()[0]).toMatch(/ALERT: BILLING_QUOTA[\s\S]*Provider: no-retry/);
    await h.close();
  });
});

describe('a replica killed mid-job, again and again', () => {
  it("does not fail the job for good: every alerter worker tolerates its jobs' stalls", async () => {
    const h = harness('{t-stalls}', {});
    try {
      // BullMQ fails a job that lost its worker more than maxStalledCount times (default 1) without
      // retrying it: the chaos bench lost a mail that way, its delivery killed twice.
      for (const name of [QUEUES.alerts, QUEUES.alertGroups, QUEUES.alertDeliveries]) {
        const worker = h.alerter.workers.find((w) => w.name === name);
        expect(worker?.opts.maxStalledCount, name).toBe(STALLS_TOLERATED);
      }
    } finally {
      await h.close();
    }
  });
});
