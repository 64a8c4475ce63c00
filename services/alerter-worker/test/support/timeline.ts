import { readFileSync } from 'node:fs';
import { type AlertEvent, alertSubject, type Notification } from '@faultline/core';
import { createRedis, loadConfig, QUEUES } from '@faultline/runtime';
import { type Job, Queue } from 'bullmq';
import { pino } from 'pino';
import { alerterStages } from '../../src/alerter.ts';
import { ENTRY_RULE } from '../../src/channels/alert-file.ts';
import { AlerterConfig } from '../../src/config.ts';
import { alerterEnv } from './alerter-env.ts';

let n = 0;
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

/** `mm:ss` after the timeline's start: how the tests state when something happens. */
export const t = (mmss: string) => {
  const [m, s] = mmss.split(':').map(Number);
  return (m! * 60 + s!) * 1000;
};

/**
 * The alerter's stages on a clock the test moves, over a real Redis and real queues, with nobody
 * else running their jobs: the test runs each timer when the clock reaches it and delivers what was
 * queued through the real file channel. So a timeline states exact times (what a person has by
 * 00:30) instead of sleeping and hoping.
 */
export async function timeline(redisUrl: string, extra: Record<string, string> = {}) {
  const prefix = `{t-timeline-${process.pid}-${n++}}`;
  const { env } = alerterEnv(redisUrl, prefix, extra);
  const cfg = loadConfig(AlerterConfig, env);
  let now = START;
  const redis = createRedis(redisUrl);
  const state = createRedis(redisUrl);
  const stages = alerterStages(cfg, pino({ level: 'silent' }), { redis, state }, () => now);
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix });
  /** When each timer job is due on the test's clock: when it was first seen, plus its delay. */
  const due = new Map<string, number>();
  const received: { at: number; subject: string; n: Notification }[] = [];

  async function noteTimers(): Promise<Job[]> {
    const jobs = await stages.timersQueue.getJobs(['delayed', 'waiting', 'prioritized']);
    for (const j of jobs) if (!due.has(j.id!)) due.set(j.id!, now + (j.opts.delay ?? 0));
    return jobs;
  }

  async function deliverQueued(): Promise<void> {
    for (const job of await stages.deliveriesQueue.getJobs(['waiting', 'prioritized'])) {
      const { notification, target } = job.data as { notification: Notification; target: string };
      await stages.deliver(job);
      if (target === 'file')
        received.push({
          at: now - START,
          subject: alertSubject(notification, cfg.ALERT_SUBJECT_PREFIX),
          n: notification,
        });
      await job.remove();
    }
  }

  /** Runs every timer due by the clock, in due order, and delivers what they queued. */
  async function runDue(): Promise<void> {
    for (;;) {
      const ready = (await noteTimers())
        .filter((j) => j.name !== 'quiet-sweep' && due.get(j.id!)! <= now)
        .sort((a, b) => due.get(a.id!)! - due.get(b.id!)!);
      if (!ready.length) break;
      for (const job of ready) {
        await stages.processTimer(job);
        await job.remove();
      }
    }
    await deliverQueued();
  }

  return {
    /** Moves the clock to `ms` after the start, running every timer due on the way, in time order. */
    async at(ms: number): Promise<void> {
      for (;;) {
        await noteTimers();
        const next = [...due.values()].filter((d) => d > now && d <= START + ms).sort((a, b) => a - b)[0];
        now = next ?? START + ms;
        await runDue();
        if (next === undefined) return;
      }
    },
    /** An event arriving now, processed by the event stage as its worker would. */
    async send(event: AlertEvent): Promise<void> {
      const stamped = { ...event, occurredAt: new Date(now).toISOString() };
      const job = await alerts.add('alert', stamped, { jobId: event.id });
      await stages.processEvent(job);
      await job.remove();
      await runDue();
    },
    /** What the alert file holds, as a person reads it: one subject per entry, and when it arrived. */
    received: () => received.map(({ at, subject }) => ({ at, subject })),
    notifications: () => received.map((r) => r.n),
    fileEntries: () =>
      readFileSync(cfg.ALERT_FILE_PATH, 'utf8')
        .split(`${ENTRY_RULE}\n`)
        .filter((e) => e.startsWith('TIMESTAMP:')),
    async close() {
      await Promise.all([alerts.close(), stages.close()]);
      for (const c of stages.channels.values()) await c.close();
      redis.disconnect();
      state.disconnect();
    },
  };
}
