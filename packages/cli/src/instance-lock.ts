import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '@faultline/client/config-error';
import { processAlive, processCommand } from './process-table.ts';

/** What `./data/faultline.pid` says about the running `faultline start` or `demo`. */
export interface InstanceRecord {
  pid: number;
  command: 'start' | 'demo';
  started: string;
  redisUrl?: string;
  redisPid?: number;
  ops?: string;
}

/** A second start, or a demo beside a start, would share the first one's Redis and ports: exit 3. */
export class AlreadyRunningError extends ConfigError {
  constructor(
    readonly running: InstanceRecord,
    lockPath: string,
  ) {
    super([{ variable: 'FAULTLINE_DATA_DIR', message: 'already in use' }]);
    this.message = `${describeInstance(running)} is already running on this data dir (${lockPath}); stop it first (Ctrl-C in its terminal, or kill ${running.pid}), or give this one its own FAULTLINE_DATA_DIR and ports (FAULTLINE_REDIS_PORT, OPS_PORT, HEALTH_PORT, ALERTER_HEALTH_PORT)`;
  }
}

export function describeInstance(r: InstanceRecord): string {
  const at = new Date(r.started);
  const started = Number.isNaN(at.getTime())
    ? r.started
    : at.toTimeString().slice(0, 5) +
      (Date.now() - at.getTime() > 86_400_000 ? ` on ${r.started.slice(0, 10)}` : '');
  return [
    `faultline ${r.command} (pid ${r.pid}, started ${started}`,
    r.ops ? `, ops on ${r.ops}` : '',
    r.redisUrl ? `, Redis ${r.redisUrl}` : '',
    ')',
  ].join('');
}

export const lockPath = (dataDir: string) => resolve(dataDir, 'faultline.pid');

/** The record in the lock file when its process still runs; null when there is none or it is stale. */
export function runningInstance(dataDir: string): InstanceRecord | null {
  const record = readRecord(lockPath(dataDir));
  return record && isSupervisor(record.pid) ? record : null;
}

function readRecord(path: string): InstanceRecord | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as InstanceRecord;
  } catch {
    return null;
  }
}

/** A pid reused by some unrelated program since does not hold the lock: only a node process does. */
function isSupervisor(pid: number): boolean {
  if (!processAlive(pid)) return false;
  const command = processCommand(pid);
  return command === null || /node/.test(command);
}

/**
 * Takes `<dataDir>/faultline.pid` for this process, or throws AlreadyRunningError naming the one
 * that holds it. A lock left by a process that died (SIGKILL, a crash) is taken over, and the
 * redis-server it had started, if it outlived it, is stopped first: its data dir is ours.
 */
export async function acquireInstanceLock(
  dataDir: string,
  record: Omit<InstanceRecord, 'pid' | 'started'>,
): Promise<{ update(extra: Partial<InstanceRecord>): void; release(): void }> {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const mine: InstanceRecord = { pid: process.pid, started: new Date().toISOString(), ...record };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${JSON.stringify(mine)}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      const held = readRecord(path);
      if (held && isSupervisor(held.pid)) throw new AlreadyRunningError(held, join(dataDir, 'faultline.pid'));
      if (held?.redisPid) await stopOrphanRedis(held.redisPid);
      try {
        unlinkSync(path);
      } catch {}
    }
  }
  return {
    update(extra) {
      Object.assign(mine, extra);
      writeFileSync(path, `${JSON.stringify(mine)}\n`);
    },
    release() {
      if (readRecord(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
}

/** Stops a redis-server (and only that) left running by a supervisor that died. */
export async function stopOrphanRedis(pid: number): Promise<boolean> {
  if (!processAlive(pid) || !/redis-server/.test(processCommand(pid) ?? '')) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + 10_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return true;
}
