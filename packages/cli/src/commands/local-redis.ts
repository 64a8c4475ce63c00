import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { listenOn, PortUnavailableError } from '@faultline/runtime/listen';
// A raw PING, not a Redis client: the supervisor stays small at rest (no ioredis loaded for it).
import { redisAnswers } from '@faultline/testkit/redis-ping';

export const NO_REDIS_SERVER =
  'redis-server is not on PATH: install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
  'or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 in .env)';

/** `faultline start` could not run its own Redis: exit 4 (no Redis) with what to do, not a stack trace. */
export class LocalRedisError extends Error {
  override readonly name = 'LocalRedisError';
}

/** Throws PortUnavailableError (exit 3) when the port cannot be had; frees it again at once. */
export async function assertPortFree(port: number, host: string, setting: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listenOn(probe, { port, host, setting });
  await new Promise((r) => probe.close(r));
}

/**
 * With no REDIS_URL, `faultline start` runs its own redis-server with AOF persistence in the
 * project's data folder, so alerts and schedules survive a restart of the whole system.
 *
 * It runs in a process group of its own: Ctrl-C (SIGINT to the terminal's group) reaches the
 * services, which drain while Redis still answers, and the supervisor stops Redis last. Redis
 * cannot watch its parent, so a watchdog shell (a `sleep` a second) stops it if the supervisor
 * dies without stopping it (SIGKILL, the OOM killer).
 */
export async function startLocalRedis(
  dataDir: string,
  port: number,
): Promise<{ url: string; child: ChildProcess; watchdog: ChildProcess }> {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    throw new LocalRedisError(NO_REDIS_SERVER);
  }
  // Another program on the port would answer our readiness check and be taken for our Redis.
  try {
    await assertPortFree(port, '127.0.0.1', 'FAULTLINE_REDIS_PORT');
  } catch (error) {
    if (!(error instanceof PortUnavailableError)) throw error;
    throw new PortUnavailableError(
      'FAULTLINE_REDIS_PORT',
      `port ${port} on 127.0.0.1 is in use (FAULTLINE_REDIS_PORT); stop what holds it or set FAULTLINE_REDIS_PORT to a free port (or, if it is a Redis to use, set REDIS_URL=redis://127.0.0.1:${port})`,
    );
  }
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--pidfile',
      resolve(dir, 'redis.pid'),
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM "$2" 2>/dev/null',
      'faultline-redis-watchdog',
      String(process.pid),
      String(child.pid),
    ],
    { stdio: 'ignore', detached: true },
  );
  watchdog.unref();
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  const giveUp = (message: string) => {
    watchdog.kill('SIGKILL');
    if (child.exitCode === null) child.kill('SIGTERM');
    return new LocalRedisError(message);
  };
  for (;;) {
    if (child.exitCode !== null)
      throw giveUp(
        `redis-server exited at start (is port ${port} taken? set FAULTLINE_REDIS_PORT, or REDIS_URL to use a running Redis)`,
      );
    // Not PONG while it loads its AOF (-LOADING): up, but not ready yet.
    if (await redisAnswers('127.0.0.1', port)) return { url, child, watchdog };
    if (Date.now() > deadline)
      throw giveUp(
        `redis-server on port ${port} did not answer PING within 10 s (still loading a large AOF?)`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
