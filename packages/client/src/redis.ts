import { Redis, type RedisOptions } from 'ioredis';
import { redisTlsAdvice, redisTlsOptions } from './redis-tls.ts';

export { REDIS_TLS_SETTINGS, redisTlsAdvice, redisTlsOptions } from './redis-tls.ts';

/** Shown instead of the URL's password wherever a URL is printed. */
export function displayRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `Redis is unreachable at ${displayRedisUrl(url)} (${(cause as Error)?.message ?? cause}). ` +
        `${redisAdvice(cause, url) ?? 'Start redis-server or point REDIS_URL at a running Redis'}.`,
      { cause },
    );
  }
}

/** What to do about an error connecting to Redis that is not "start it": TLS, credentials, ACL. */
export function redisAdvice(error: unknown, url = ''): string | null {
  const { message = '', code } = (error ?? {}) as { message?: string; code?: string };
  if (/\bWRONGPASS\b|\bNOAUTH\b/.test(message))
    return 'Check the user name and password in REDIS_URL (redis://user:password@host:port; the password percent-encoded)';
  if (/\bNOPERM\b/.test(message))
    return "REDIS_URL's user lacks a permission Faultline needs: give it the rules of its service in infra/users.acl";
  const tls = redisTlsAdvice(error);
  if (tls) return tls;
  // A server that refuses the handshake often just resets the connection: no alert to read.
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return /^rediss:/i.test(url)
      ? 'Redis closed the TLS connection: if it asks clients for a certificate (tls-auth-clients), set REDIS_TLS_CERT and REDIS_TLS_KEY'
      : 'Redis closed the connection: if it speaks TLS on this port, use rediss://';
  return null;
}

/**
 * Errors of a node that cannot take writes now: a primary demoted to replica by a failover
 * (`READONLY`, also inside a script's error), or one still loading its data set (`LOADING`).
 */
const NOT_WRITABLE = /\bREADONLY\b|\bLOADING\b/;

/**
 * After a failover the connection still points at the old primary, now a replica, and every write
 * fails with READONLY until it is recycled. 2 tells ioredis to reconnect (DNS or the proxy now
 * lead to the new primary) and send the failed command again, as the ioredis README advises.
 */
export function reconnectOnError(error: Error): 2 | false {
  return NOT_WRITABLE.test(error.message) ? 2 : false;
}

/**
 * A connection for BullMQ workers and our own state. `maxRetriesPerRequest: null` is what BullMQ
 * requires for blocking connections; reconnects go on forever so a Redis restart loses nothing,
 * and a failover's READONLY recycles the connection (reconnectOnError) instead of failing writes.
 */
export function createRedis(
  url: string,
  options: RedisOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    reconnectOnError,
    tls: redisTlsOptions(url, env),
    ...options,
  });
  let reportedAt = 0;
  redis.on('error', (error: Error) => {
    // ioredis reconnects by itself and commands wait for it: one line per connection every 10 s says
    // so, instead of ioredis' "Unhandled error event" on every retry.
    const now = Date.now();
    if (now - reportedAt < 10_000) return;
    reportedAt = now;
    const advice = redisAdvice(error, url);
    reportRedisError(displayRedisUrl(url), advice ? new Error(`${error.message}: ${advice}`) : error);
  });
  return redis;
}

type RedisErrorReporter = (url: string, error: Error) => void;
let reportRedisError: RedisErrorReporter = (url, error) => {
  process.stderr.write(`Redis ${url}: ${error.message}; reconnecting\n`);
};

/** Where connection errors of createRedis connections go: a service sends them to its logger. */
export function onRedisError(reporter: RedisErrorReporter): void {
  reportRedisError = reporter;
}

/**
 * Fails fast with a clear message when Redis does not answer, instead of hanging in reconnects: a
 * refused TLS certificate or password names the setting to change. A bad REDIS_TLS_* is a ConfigError.
 */
export async function assertRedisReachable(
  url: string,
  timeoutMs = 3000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const probe = new Redis(url, {
    tls: redisTlsOptions(url, env),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() rejects with "Connection is closed."; why it closed (a refused certificate or
  // password) comes as an error event first.
  let why: Error | undefined;
  probe.on('error', (error: Error) => {
    why ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new RedisUnreachableError(url, why ?? error);
  } finally {
    probe.disconnect();
  }
}
