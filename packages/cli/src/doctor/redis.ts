import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import {
  assertRedisReachable,
  createRedis,
  displayRedisUrl,
  localRedisUrl,
  REQUIRED_EVICTION_POLICY,
  RedisPolicyError,
  RedisUnreachableError,
  readEvictionPolicy,
} from '@faultline/runtime';
import { RedisConnection } from 'bullmq';
import { NO_REDIS_SERVER } from '../commands/local-redis.ts';
import { type CheckLine, fail, ok, warn } from './check.ts';

const TIMEOUT_MS = 3000;

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b` (dotted numbers; missing parts are 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** BullMQ's own floor (it refuses older servers) and the version it recommends. */
export function versionLine(version: string, what: string): CheckLine {
  const min = RedisConnection.minimumVersion;
  const recommended = RedisConnection.recommendedMinimumVersion;
  if (compareVersions(version, min) < 0)
    return fail('Redis version', `${what} ${version}: BullMQ needs Redis ${min} or later; upgrade Redis`);
  if (compareVersions(version, recommended) < 0)
    return warn('Redis version', `${what} ${version}: works, but BullMQ recommends ${recommended} or later`);
  return ok('Redis version', `${what} ${version} (BullMQ needs ${min} or later)`);
}

const field = (info: string, name: string) => new RegExp(`^${name}:(\\S+)\\s*$`, 'm').exec(info)?.[1];

/** What survives a restart of Redis: AOF, RDB snapshots, or nothing (the queues and alert state are lost). */
async function persistenceLine(redis: ReturnType<typeof createRedis>): Promise<CheckLine> {
  const name = 'Redis persistence';
  let aof: string | undefined;
  let save: string | undefined;
  try {
    aof = ((await redis.call('CONFIG', 'GET', 'appendonly')) as string[])[1];
    save = ((await redis.call('CONFIG', 'GET', 'save')) as string[])[1];
  } catch {
    // CONFIG is often blocked on managed Redis; INFO still says whether AOF is on.
    aof = field(await redis.info('persistence'), 'aof_enabled') === '1' ? 'yes' : undefined;
  }
  if (aof === 'yes') return ok(name, 'AOF on');
  if (save)
    return ok(
      name,
      `RDB snapshots (save ${save}); AOF off: writes since the last snapshot are lost on a crash`,
    );
  if (save === undefined)
    return warn(
      name,
      'AOF off, and RDB cannot be read (CONFIG not allowed): make sure the host persists Redis',
    );
  return warn(
    name,
    'neither AOF nor RDB is on: a restart of Redis loses queued jobs and alert state; set appendonly yes in redis.conf',
  );
}

/** Version, eviction policy and persistence of a Redis that answers. */
async function inspect(url: string): Promise<CheckLine[]> {
  const redis = createRedis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const server = await redis.info('server');
    const version = field(server, 'redis_version') ?? '0';
    const valkey = field(server, 'valkey_version');
    const lines = [versionLine(version, valkey ? `Valkey ${valkey}, redis_version` : 'Redis')];
    const found = await readEvictionPolicy(url, TIMEOUT_MS);
    if (found.policy === null)
      lines.push(
        warn(
          'Redis maxmemory-policy',
          `cannot read it (${found.reason}): make sure it is ${REQUIRED_EVICTION_POLICY}`,
        ),
      );
    else if (found.policy !== REQUIRED_EVICTION_POLICY)
      lines.push(fail('Redis maxmemory-policy', new RedisPolicyError(url, found.policy).message));
    else lines.push(ok('Redis maxmemory-policy', REQUIRED_EVICTION_POLICY));
    lines.push(await persistenceLine(redis));
    return lines;
  } finally {
    redis.disconnect();
  }
}

/** `redis-server --version` of the binary `faultline start` would run. */
async function localBinaryLines(): Promise<CheckLine[]> {
  let out: string;
  try {
    out = (await promisify(execFile)('redis-server', ['--version'], { timeout: TIMEOUT_MS })).stdout;
  } catch {
    return [fail('Redis', NO_REDIS_SERVER)];
  }
  const version = /\bv=(\d+\.\d+\.\d+)/.exec(out)?.[1];
  return version ? [versionLine(version, 'redis-server on PATH is')] : [];
}

/**
 * The error of a TCP connection to the URL's host and port, or null when one opens. Refused is
 * told apart here because ioredis, refused, keeps its connect timer and the process alive for
 * connectTimeout after the answer is known.
 */
function tcpError(url: string): Promise<NodeJS.ErrnoException | null> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(u.port || 6379), timeout: TIMEOUT_MS });
    const done = (error: NodeJS.ErrnoException | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () =>
      done(Object.assign(new Error(`connect ETIMEDOUT ${host}:${u.port}`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', done);
  });
}

/**
 * REDIS_URL's Redis, or with REDIS_URL unset the one `faultline start` runs: not running yet is
 * fine (start will run it), and then the redis-server it would run is checked instead.
 */
export async function redisLines(env: NodeJS.ProcessEnv): Promise<CheckLine[]> {
  const local = !env.REDIS_URL;
  const url = local ? localRedisUrl(env) : env.REDIS_URL!;
  try {
    const tcp = await tcpError(url);
    if (tcp) throw new RedisUnreachableError(url, tcp);
    await assertRedisReachable(url, TIMEOUT_MS, env);
  } catch (error) {
    if (!(error instanceof RedisUnreachableError)) throw error;
    const refused = (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
    if (local && refused) {
      const binary = await localBinaryLines();
      if (binary[0]?.name === 'Redis') return binary;
      return [
        warn(
          'Redis',
          `not running at ${displayRedisUrl(url)} (REDIS_URL unset); faultline start will start one`,
        ),
        ...binary,
      ];
    }
    const hint = local ? ' (REDIS_URL unset: this is where faultline start runs its Redis)' : '';
    return [fail('Redis', `${error.message}${hint}`)];
  }
  const where = local ? ' (REDIS_URL unset: the Redis of a running faultline start)' : '';
  return [ok('Redis', `reachable at ${displayRedisUrl(url)}${where}`), ...(await inspect(url))];
}
