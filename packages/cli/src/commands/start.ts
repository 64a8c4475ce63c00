import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { watchAncestors } from '../ancestor-watch.ts';
import { EXIT } from '../exit-codes.ts';
import { acquireInstanceLock } from '../instance-lock.ts';
import { entryArgs } from '../service-entry.ts';
import { UsageError } from '../usage-error.ts';
import { assertPortFree, startLocalRedis } from './local-redis.ts';
import type { StartFacts } from './start-preflight.ts';

export const usage = `faultline start
      starts the whole system, one process per service (generation, alerter, health-probe, ops),
      with logs merged and prefixed; with no REDIS_URL it runs its own redis-server (AOF) under
      ./data; Ctrl-C, SIGTERM or SIGHUP (to it or to npx/pnpm around it) stops everything cleanly;
      refuses while another start or demo runs on the same ./data (./data/faultline.pid)`;

const ROOT = resolve(import.meta.dirname, '../../../..');
const CLI_ENTRY = 'packages/cli/src/main.ts';
export const SERVICES = {
  generation: 'services/generation-worker/src/main.ts',
  alerter: 'services/alerter-worker/src/main.ts',
  'health-probe': 'services/health-probe-worker/src/main.ts',
  ops: 'services/ops/src/main.ts',
} as const;

/**
 * The whole system on one machine stays under 500 MiB at rest (bench/runtime.ts): V8 grows each
 * process's young generation up to 16 MiB during start-up and keeps it. A busy generation worker
 * raises its own (GENERATION_SEMI_SPACE_MB); the image runs each service with V8's defaults.
 */
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=2';

/** Each service logs "… ready" once it serves (`alerter worker ready`, `ops ready`); "already" is not it. */
const READY_LINE = /\bready\b/;

function prefixed(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  let buffer = '';
  const tag = `[${name}]`.padEnd(15);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      out.write(`${tag} ${buffer.slice(0, nl)}\n`);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
  });
}

/** With npx or the terminal gone, stdout may be a closed pipe: a log line must not crash the stop. */
function say(line: string, out: NodeJS.WriteStream = process.stdout) {
  try {
    out.write(line);
  } catch {}
}
for (const out of [process.stdout, process.stderr]) out.on('error', () => {});

/** Runs the services as separate processes, as in production, and stops them all together. */
export async function runSystem(
  extraEnv: Record<string, string> = {},
  extraChildren: Record<string, string[]> = {},
  opts: {
    command?: 'start' | 'demo';
    /** Where the embedded Redis keeps its AOF: the demo's apart from start's, so start begins clean. */
    redisDataDir?: string;
    /** Called once the system starts stopping, whatever the reason. */
    onStopping?: () => void;
    /** Called once Redis answers and the services are about to start. */
    onStarted?: () => void;
  } = {},
): Promise<number> {
  const merged = { ...process.env, ...extraEnv };
  const facts = await preflight(merged);
  if (typeof facts === 'number') return facts;
  // One start per data dir: a second one would share the first one's Redis and ports.
  const dataDir = process.env.FAULTLINE_DATA_DIR || './data';
  const lock = await acquireInstanceLock(dataDir, {
    command: opts.command ?? 'start',
    ...(facts.opsUrl ? { ops: facts.opsUrl } : {}),
  });
  try {
    // A port taken is said once, naming its setting, before anything starts.
    for (const { port, host, setting } of facts.ports) await assertPortFree(port, host, setting);
    return await superviseSystem(facts, extraEnv, extraChildren, { ...opts, dataDir, lock });
  } finally {
    lock.release();
  }
}

/**
 * Runs `start --preflight` (start-preflight.ts) with the system's environment: the facts it prints,
 * or its exit code once it has said what is wrong.
 */
async function preflight(env: NodeJS.ProcessEnv): Promise<StartFacts | number> {
  // From the repository root, as the services run: relative paths in the settings mean the same.
  const child = spawn(process.execPath, [...entryArgs(CLI_ENTRY), 'start', '--preflight'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  if (code !== 0) return code ?? 1;
  return JSON.parse(out.trim().split('\n').at(-1)!) as StartFacts;
}

async function superviseSystem(
  facts: StartFacts,
  extraEnv: Record<string, string>,
  extraChildren: Record<string, string[]>,
  opts: {
    dataDir: string;
    redisDataDir?: string;
    onStopping?: () => void;
    onStarted?: () => void;
    lock: Awaited<ReturnType<typeof acquireInstanceLock>>;
  },
): Promise<number> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...extraEnv,
    FAULTLINE_SUPERVISOR_PID: String(process.pid),
  };
  let redis: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  if (facts.redisUrl) {
    opts.lock.update({ redisUrl: facts.redisUrl });
  } else {
    const port = facts.localRedisPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError('FAULTLINE_REDIS_PORT must be a port number');
    const redisDataDir = opts.redisDataDir ?? opts.dataDir;
    const local = await startLocalRedis(redisDataDir, port);
    redis = local.child;
    watchdog = local.watchdog;
    env.REDIS_URL = local.url;
    opts.lock.update({ redisUrl: local.url, redisPid: local.child.pid });
    process.stdout.write(
      `[faultline]     no REDIS_URL: started redis-server on ${local.url} (AOF in ${join(redisDataDir, 'redis')})\n`,
    );
  }
  opts.onStarted?.();
  // The alerter says, once, where mail goes without SMTP and that Sentry is off without a DSN.
  if (process.stdout.isTTY && !env.LOG_FORMAT) env.LOG_FORMAT = 'pretty';

  const children = new Map<string, ChildProcess>();
  const commands: Record<string, string[]> = {
    ...Object.fromEntries(
      Object.entries(SERVICES).map(([name, entry]) => [name, [SMALL_YOUNG_GENERATION, ...entryArgs(entry)]]),
    ),
    ...extraChildren,
  };
  let ready = 0;
  let stopping = false;
  let exitCode = 0;
  const done = new Promise<void>((resolveDone) => {
    const stopAll = (code: number) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      opts.onStopping?.();
      say('[faultline]     stopping every service…\n');
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
      // Each service exits by itself within its own deadline (SHUTDOWN_GRACE + a margin); this is the last resort.
      const force = setTimeout(() => {
        for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
      }, facts.deadlineMs + 5_000);
      Promise.all(
        [...children.values()].map((c) =>
          c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)),
        ),
      ).then(async () => {
        clearTimeout(force);
        stopWatching();
        // The watchdog first: once Redis is gone it would signal a pid that may be reused.
        if (watchdog?.pid) {
          try {
            process.kill(-watchdog.pid, 'SIGKILL');
          } catch {}
        }
        if (redis && redis.exitCode === null) {
          const exited = new Promise((r) => redis!.once('exit', r));
          redis.kill('SIGTERM');
          await exited;
        }
        say('[faultline]     stopped\n');
        resolveDone();
      });
    };
    // SIGHUP: the terminal closed. SIGTERM or SIGHUP is a deliberate stop: exit 0, as for Ctrl-C.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(0));
    // npx and pnpm do not pass SIGTERM on: when one of them is killed, stop as if it had.
    const stopWatching = watchAncestors((pid) => {
      say(`[faultline]     the process that ran this one (pid ${pid}) has exited: stopping\n`);
      stopAll(0);
    });
    for (const [name, args] of Object.entries(commands)) {
      const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(name, child);
      say(`[faultline]     started ${name} (pid ${child.pid})\n`);
      prefixed(name, child.stdout!, process.stdout);
      prefixed(name, child.stderr!, process.stderr);
      let seenReady = false;
      child.stdout!.on('data', (d: Buffer | string) => {
        if (seenReady || !READY_LINE.test(String(d))) return;
        seenReady = true;
        if (++ready === Object.keys(commands).length) {
          say(
            `[faultline]     all services ready (Redis ${facts.redisUrl ?? env.REDIS_URL}); Ctrl-C stops them\n`,
          );
        }
      });
      child.on('exit', (code, signal) => {
        if (!stopping) {
          say(
            `[faultline]     ${name} exited (${signal ?? `code ${code}`}): stopping the rest\n`,
            process.stderr,
          );
          // A setting (3) or an unreachable Redis (4) is what the user must fix: say it in the exit code too.
          stopAll(code === EXIT.config || code === EXIT.redisUnreachable ? code : 1);
        }
      });
    }
  });
  await done;
  return exitCode;
}

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { preflight: { type: 'boolean' } } });
  if (values.preflight) {
    const { startPreflight } = await import('./start-preflight.ts');
    process.stdout.write(`${JSON.stringify(await startPreflight(process.env))}\n`);
    return EXIT.ok;
  }
  return runSystem();
}
