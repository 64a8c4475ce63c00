import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import {
  assertRedisReachable,
  BaseConfig,
  ConfigError,
  createRedis,
  displayRedisUrl,
  loadConfig,
} from '@faultline/runtime';
import { describeInstance, runningInstance, stopOrphanRedis } from '../instance-lock.ts';
import { plural } from '../plural.ts';
import { processAlive } from '../process-table.ts';
import { UsageError } from '../usage-error.ts';

export const usage = `faultline reset [--yes] [--redis]
      removes Faultline's local state: the embedded Redis data and demo files under ./data
      (FAULTLINE_DATA_DIR) and the alert file, mailbox and demo logs under ./logs; asks first
      (--yes: don't ask); refuses while a start or demo runs. --redis also deletes every key
      under QUEUE_PREFIX (default {faultline}) on REDIS_URL's Redis, and nothing else there`;

/** What Faultline itself creates in the data folder; anything else there is left alone. */
const DATA_ENTRIES = ['redis', 'demo', 'faultline.pid'];

/** Refused while running: the AOF would be pulled from under a live Redis. */
export class StillRunningError extends ConfigError {
  constructor(what: string) {
    super([{ variable: 'FAULTLINE_DATA_DIR', message: what }]);
    this.message = what;
  }
}

/**
 * Faultline's local state: the data folder's Redis, demo files and lock; the alert file (and its
 * rotations), the mailbox, and the demo's logs beside them. Only what exists.
 */
export function localState(env: NodeJS.ProcessEnv = process.env): { dirs: string[]; targets: string[] } {
  const dataDir = resolve(env.FAULTLINE_DATA_DIR || './data');
  const alertFile = resolve(env.ALERT_FILE_PATH || './logs/alerts.log');
  const logsDir = dirname(alertFile);
  const found = DATA_ENTRIES.map((name) => join(dataDir, name));
  if (existsSync(logsDir)) {
    const name = basename(alertFile);
    // alerts.log, its rotations alerts.log.1, .2… and the lock the rotation takes.
    const isAlertFile = (n: string) =>
      n === name || (n.startsWith(`${name}.`) && /^(\d+|rotate-lock)$/.test(n.slice(name.length + 1)));
    found.push(
      ...readdirSync(logsDir)
        .sort()
        .filter(isAlertFile)
        .map((n) => join(logsDir, n)),
    );
  }
  found.push(resolve(env.MAILBOX_DIR || './logs/mail'), join(logsDir, 'demo'));
  return { dirs: [dataDir, logsDir], targets: [...new Set(found)].filter((p) => existsSync(p)) };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const shown = (p: string) => {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? `./${rel}` : p;
};

/** Escapes glob characters, so that SCAN MATCH reads the prefix literally. */
const globLiteral = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

export async function resetCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { yes: { type: 'boolean', short: 'y' }, redis: { type: 'boolean' } },
  });
  const dataDir = resolve(process.env.FAULTLINE_DATA_DIR || './data');
  const running = runningInstance(dataDir);
  if (running)
    throw new StillRunningError(
      `${describeInstance(running)} is running on ${shown(dataDir)}; stop it first (Ctrl-C in its terminal, or kill ${running.pid}), then reset`,
    );
  const cfg = values.redis ? loadConfig(BaseConfig) : null;
  if (cfg && !process.env.REDIS_URL)
    throw new UsageError(
      '--redis deletes keys on the Redis that REDIS_URL names, and REDIS_URL is not set (the embedded Redis is reset with ./data, without --redis)',
    );

  const { dirs, targets } = localState();
  let keys = 0;
  const match = cfg ? `${globLiteral(cfg.QUEUE_PREFIX)}:*` : '';
  if (cfg) {
    await assertRedisReachable(cfg.REDIS_URL);
    const redis = createRedis(cfg.REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        keys += found.length;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
  if (!targets.length && !keys) {
    process.stdout.write(
      `nothing to remove: no Faultline state in ${dirs.map(shown).join(' or ')}${cfg ? `, and no ${cfg.QUEUE_PREFIX} keys on ${displayRedisUrl(cfg.REDIS_URL)}` : ''}\n`,
    );
    return 0;
  }
  const plan = [
    ...targets.map((t) => `  ${shown(t)}`),
    ...(keys
      ? [
          `  ${plural(keys, 'key')} under ${cfg!.QUEUE_PREFIX} on ${displayRedisUrl(cfg!.REDIS_URL)} (stop every Faultline service that uses it first)`,
        ]
      : []),
  ];
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError('not asking without a terminal: add --yes to remove without asking');
    process.stdout.write(`faultline reset will remove:\n${plan.join('\n')}\n`);
    if (!(await confirm('Remove these? [y/N] '))) {
      process.stdout.write('nothing removed\n');
      return 0;
    }
  }

  // A redis-server left by a start that was killed outright still holds the AOF open: stop it first.
  for (const dir of [join(dataDir, 'redis'), join(dataDir, 'demo', 'redis')]) {
    const pid = Number(readFileSyncOr(join(dir, 'redis.pid')));
    if (pid && processAlive(pid) && (await stopOrphanRedis(pid)))
      process.stdout.write(`stopped redis-server (pid ${pid}), left running on ${shown(dir)}\n`);
  }
  for (const target of targets) {
    rmSync(target, { recursive: true, force: true });
    process.stdout.write(`removed ${shown(target)}\n`);
  }
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {}
  }
  if (cfg && keys) {
    const redis = createRedis(cfg.REDIS_URL);
    let removed = 0;
    try {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        if (found.length) removed += await redis.unlink(...found);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    process.stdout.write(
      `removed ${plural(removed, 'key')} under ${cfg.QUEUE_PREFIX} on ${displayRedisUrl(cfg.REDIS_URL)}\n`,
    );
  }
  return 0;
}

function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
