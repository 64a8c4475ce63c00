import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertRedisReachable } from '@faultline/runtime';

export const NO_REDIS_SERVER =
  'redis-server is not on PATH: install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
  'or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 in .env)';

/** `faultline start` could not run its own Redis: exit 4 (no Redis) with what to do, not a stack trace. */
export class LocalRedisError extends Error {
  override readonly name = 'LocalRedisError';
}

/**
 * With no REDIS_URL, `faultline start` runs its own redis-server with AOF persistence in the
 * project's data folder, so alerts and schedules survive a restart of the whole system.
 */
export async function startLocalRedis(
  dataDir: string,
  port: number,
): Promise<{ url: string; child: ChildProcess }> {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    throw new LocalRedisError(NO_REDIS_SERVER);
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
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new LocalRedisError(
        `redis-server exited at start (is port ${port} taken? set FAULTLINE_REDIS_PORT, or REDIS_URL to use a running Redis)`,
      );
    try {
      await assertRedisReachable(url, 500);
      return { url, child };
    } catch (error) {
      if (Date.now() > deadline) throw new LocalRedisError((error as Error).message);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
