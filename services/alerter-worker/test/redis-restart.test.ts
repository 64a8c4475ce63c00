import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { faultTestsSkipReason, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';

const skip = faultTestsSkipReason();
if (skip) console.warn(`alerter Redis-restart test skipped: ${skip}`);

let redis: TestRedis;
beforeAll(async () => {
  if (!skip) redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

const fileEntries = (path: string) => {
  try {
    return readFileSync(path, 'utf8')
      .split(`${ENTRY_RULE}\n`)
      .filter((e) => e.startsWith('TIMESTAMP:'));
  } catch {
    return [];
  }
};

describe.skipIf(skip)('Redis restarting under the alerter', () => {
  it('loses no alert and sends none twice: groups waiting when Redis went down notify once it is back', async () => {
    const { env, dir } = alerterEnv(redis.url, '{t-restart}', { ALERT_GROUP_WAIT: '1500ms' });
    const alerter = startAlerter(loadConfig(AlerterConfig, env), pino({ level: 'silent' }));
    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix: '{t-restart}' });
    alerts.on('error', () => {});
    try {
      const before = ['a', 'b', 'c'].map((p) => `before-${p}`);
      for (const p of before) await alerts.add('alert', billingEvent(p));
      // Counted into their groups, whose timers are waiting in Redis when it goes down.
      await until('the events counted', async () => (await alerter.groups.list()).length === 3);
      await redis.stop();
      await new Promise((r) => setTimeout(r, 2500));
      await redis.start();
      const after = ['d', 'e'].map((p) => `after-${p}`);
      for (const p of after) await alerts.add('alert', billingEvent(p));
      await until(
        'five notifications in the file',
        () => fileEntries(env.ALERT_FILE_PATH!).length >= 5,
        30_000,
      );
      await until('five messages in the mailbox', () => readdirSync(join(dir, 'mail')).length >= 5, 30_000);
      // A late duplicate would show up within a delivery round trip or two.
      await new Promise((r) => setTimeout(r, 1000));
      const providers = fileEntries(env.ALERT_FILE_PATH!).map((e) => /Provider: (\S+)/.exec(e)?.[1]);
      expect(providers.sort()).toEqual([...before, ...after].sort());
      expect(readdirSync(join(dir, 'mail'))).toHaveLength(5);
    } finally {
      await alerts.close();
      await alerter.close();
    }
  }, 60_000);
});
