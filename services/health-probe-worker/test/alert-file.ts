import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOB_NAMES, QUEUES, redisKeys } from '@faultline/runtime';
import { killWithThisProcess, pollUntil, runRepoProcess } from '@faultline/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** One alert-file entry as a person reads it: its head line (`ALERT: SERVER_ERROR`) and fields. */
export interface Entry {
  head: string;
  severity: string;
  reason: string;
  /** The `Model:` or `Models:` line. */
  models: string;
  text: string;
}

const field = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1] ?? '';

/** The README's alert file: each alert whole between lines of 80 `=`, starting `TIMESTAMP: …`. */
function readEntries(path: string): Entry[] {
  let file = '';
  try {
    file = readFileSync(path, 'utf8');
  } catch {}
  return file
    .split(`${'='.repeat(80)}\n`)
    .filter((e) => e.startsWith('TIMESTAMP:'))
    .map((text) => ({
      head: text.split('\n')[1] ?? '',
      severity: field(text, 'Severity'),
      reason: field(text, 'Reason'),
      models: field(text, 'Models') || field(text, 'Model'),
      text,
    }));
}

/**
 * A real alerter, as its own process (services do not import each other), on the probe's prefix
 * with the file channel only; and what a person reads from it: the entries of its alert file.
 */
export async function startAlerterBeside(redisUrl: string, prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-probe-alerter-'));
  const file = join(dir, 'alerts.log');
  const proc = runRepoProcess(['services/alerter-worker/src/main.ts'], {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    ALERT_FILE_PATH: file,
    MAILBOX_DIR: join(dir, 'mail'),
    ENABLE_EMAIL_ALERTS: 'false',
    ALERT_GROUP_WAIT: '300ms',
    // A recovery closes its group at once.
    ALERT_RESOLVE_HOLD: '0',
    ALERTER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  });
  killWithThisProcess(proc.child);
  await pollUntil(
    'the alerter ready',
    () => proc.output().includes('alerter worker ready') || proc.child.exitCode !== null,
    { timeoutMs: 40_000 },
  );
  if (proc.child.exitCode !== null) throw new Error(`the alerter exited:\n${proc.output()}`);
  const connection = { url: redisUrl };
  const queues = [QUEUES.alerts, QUEUES.alertGroups, QUEUES.alertDeliveries].map(
    (name) => new Queue(name, { connection, prefix }),
  );
  return {
    entries: () => readEntries(file),
    /**
     * Nothing more can reach the file: the health outbox is empty, and no event, timer or delivery
     * is waiting, delayed or running (the quiet sweep's own schedule aside).
     */
    async settled(admin: Redis): Promise<boolean> {
      if (await admin.hlen(redisKeys(prefix).healthOutbox())) return false;
      for (const q of queues) {
        const jobs = await q.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
        if (jobs.some((j) => j && j.name !== JOB_NAMES.quietSweep)) return false;
      }
      return true;
    },
    async close(): Promise<void> {
      await Promise.all(queues.map((q) => q.close()));
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type AlerterBeside = Awaited<ReturnType<typeof startAlerterBeside>>;
