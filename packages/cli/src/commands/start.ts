import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { OpsConfig } from '@faultline/ops/config';
import { loadProviderSpecs } from '@faultline/providers';
import {
  assertEvictionPolicy,
  assertRedisReachable,
  BaseConfig,
  displayRedisUrl,
  LOCAL_REDIS_PORT,
  loadConfig,
  shutdownDeadlineMs,
} from '@faultline/runtime';
import { entryArgs } from '../service-entry.ts';
import { UsageError } from '../usage-error.ts';
import { startLocalRedis } from './local-redis.ts';

export const usage = `faultline start
      starts the whole system, one process per service (generation, alerter, health-probe, ops),
      with logs merged and prefixed; with no REDIS_URL it runs its own redis-server (AOF) under
      ./data; Ctrl-C stops everything cleanly`;

const ROOT = resolve(import.meta.dirname, '../../../..');
export const SERVICES = {
  generation: 'services/generation-worker/src/main.ts',
  alerter: 'services/alerter-worker/src/main.ts',
  'health-probe': 'services/health-probe-worker/src/main.ts',
  ops: 'services/ops/src/main.ts',
} as const;

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

/** Runs the services as separate processes, as in production, and stops them all together. */
export async function runSystem(
  extraEnv: Record<string, string> = {},
  extraChildren: Record<string, string[]> = {},
): Promise<number> {
  const base = loadConfig(BaseConfig);
  // Every service's settings are checked before anything starts: one clear message naming the
  // variable (exit 3), not four services failing one after another.
  const merged = { ...process.env, ...extraEnv };
  for (const schema of [GenerationConfig, AlerterConfig, HealthProbeConfig, OpsConfig])
    loadConfig(schema, merged);
  // The models file too (an entry naming an unknown provider, a bad interval), and the providers
  // file it is checked against: the health-probe worker would refuse them once the others ran.
  loadProviderSpecs(merged);
  readModelsFile(loadConfig(HealthProbeConfig, merged).FAULTLINE_MODELS_FILE, merged);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...extraEnv,
    FAULTLINE_SUPERVISOR_PID: String(process.pid),
  };
  let redis: ChildProcess | undefined;
  if (process.env.REDIS_URL) {
    await assertRedisReachable(base.REDIS_URL);
    // An evicting Redis is refused here, once, rather than by each service after the others started.
    const warning = await assertEvictionPolicy(base.REDIS_URL);
    if (warning) process.stderr.write(`[faultline]     ${warning}\n`);
  } else {
    const port = Number(process.env.FAULTLINE_REDIS_PORT || LOCAL_REDIS_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError('FAULTLINE_REDIS_PORT must be a port number');
    const local = await startLocalRedis(process.env.FAULTLINE_DATA_DIR ?? './data', port);
    redis = local.child;
    env.REDIS_URL = local.url;
    process.stdout.write(
      `[faultline]     no REDIS_URL: started redis-server on ${local.url} (AOF in ${process.env.FAULTLINE_DATA_DIR ?? './data'}/redis)\n`,
    );
  }
  // The alerter says, once, where mail goes without SMTP and that Sentry is off without a DSN.
  if (process.stdout.isTTY && !env.LOG_FORMAT) env.LOG_FORMAT = 'pretty';

  const children = new Map<string, ChildProcess>();
  const commands: Record<string, string[]> = {
    ...Object.fromEntries(
      Object.entries(SERVICES).map(([name, entry]) => [name, entryArgs(entry)]),
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
      process.stdout.write('[faultline]     stopping every service…\n');
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
      // Each service exits by itself within its own deadline (SHUTDOWN_GRACE + a margin); this is the last resort.
      const force = setTimeout(() => {
        for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
      }, shutdownDeadlineMs(env) + 5_000);
      Promise.all(
        [...children.values()].map((c) =>
          c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)),
        ),
      ).then(async () => {
        clearTimeout(force);
        if (redis && redis.exitCode === null) {
          const exited = new Promise((r) => redis!.once('exit', r));
          redis.kill('SIGTERM');
          await exited;
        }
        process.stdout.write('[faultline]     stopped\n');
        resolveDone();
      });
    };
    process.on('SIGINT', () => stopAll(0));
    process.on('SIGTERM', () => stopAll(0));
    for (const [name, args] of Object.entries(commands)) {
      const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(name, child);
      process.stdout.write(`[faultline]     started ${name} (pid ${child.pid})\n`);
      prefixed(name, child.stdout!, process.stdout);
      prefixed(name, child.stderr!, process.stderr);
      let seenReady = false;
      child.stdout!.on('data', (d: Buffer | string) => {
        if (seenReady || !READY_LINE.test(String(d))) return;
        seenReady = true;
        if (++ready === Object.keys(commands).length) {
          process.stdout.write(
            `[faultline]     all services ready (Redis ${displayRedisUrl(env.REDIS_URL!)}); Ctrl-C stops them\n`,
          );
        }
      });
      child.on('exit', (code, signal) => {
        if (!stopping) {
          process.stderr.write(
            `[faultline]     ${name} exited (${signal ?? `code ${code}`}): stopping the rest\n`,
          );
          stopAll(1);
        }
      });
    }
  });
  await done;
  return exitCode;
}

export async function startCommand(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  return runSystem();
}
