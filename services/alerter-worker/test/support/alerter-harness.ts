import { readFileSync } from 'node:fs';
import type { AlertEvent } from '@faultline/core';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startAlerter } from '../../src/alerter.ts';
import { ENTRY_RULE } from '../../src/channels/alert-file.ts';
import { AlerterConfig } from '../../src/config.ts';
import { alerterEnv, until } from './alerter-env.ts';

let n = 0;
/** An alerter in this process on its own prefix, and what a person would read: the alert file's entries. */
export async function alerterHarness(redisUrl: string, extra: Record<string, string>) {
  const prefix = `{t-group-${process.pid}-${n++}}`;
  const { env } = alerterEnv(redisUrl, prefix, extra);
  const cfg = loadConfig(AlerterConfig, env);
  const alerter = startAlerter(cfg, pino({ level: 'silent' }));
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redisUrl }, prefix });
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
  const timers = new Queue(QUEUES.alertGroups, { connection: { url: redisUrl }, prefix });
  const deliveries = new Queue(QUEUES.alertDeliveries, { connection: { url: redisUrl }, prefix });
  /** Every delivery queued so far has finished. */
  const idle = async () => {
    const c = await deliveries.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(c).every((v) => v === 0);
  };
  /** The groups of this category with this state, by model. */
  const groups = async (category: string, state: string) =>
    (await alerter.groups.list())
      .filter((r) => r.state === state && JSON.parse(r.event!).category === category)
      .map((r) => JSON.parse(r.event!).model as string | null);
  /** Waits for `n` quiet sweeps that started after now: what a quiet group needs to be resolved. */
  const sweeps = async (n: number) => {
    const since = Date.now();
    await until(`${n} quiet sweeps`, async () => {
      const done = await timers.getCompleted(0, 200);
      return done.filter((j) => j.name === 'quiet-sweep' && (j.processedOn ?? 0) >= since).length >= n;
    });
  };
  return {
    alerts,
    alerter,
    entries,
    send,
    sweeps,
    idle,
    groups,
    async close() {
      await Promise.all([alerts.close(), timers.close(), deliveries.close()]);
      await alerter.close();
    },
  };
}
