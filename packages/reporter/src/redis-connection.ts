import { DEFAULT_QUEUE_PREFIX, displayRedisUrl, reconnectOnError, redisTlsOptions } from '@faultline/client';
import { Redis } from 'ioredis';

/** Where the default reporter looks when REDIS_URL is unset: a Redis on this machine. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisSetting {
  /** A Redis URL (redis:// or rediss://), or an ioredis connection the app owns (not closed by close()). */
  redis?: string | Redis;
  /** QUEUE_PREFIX of the Faultline deployment; `{faultline}` when unset. */
  prefix?: string;
}

/**
 * The reporter's connection. Commands wait for Redis while it is away (maxRetriesPerRequest null,
 * as the services' own): the outbox keeps one publish in flight, so nothing piles up in ioredis.
 * Connection errors go to `warn` once per outage, not ioredis' line per retry.
 */
export function reporterRedis(
  setting: RedisSetting,
  warn: (message: string, error?: unknown) => void,
  env: NodeJS.ProcessEnv = process.env,
): { redis: Redis; owned: boolean; prefix: string } {
  const prefix = setting.prefix ?? env.QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX;
  if (setting.redis instanceof Redis) return { redis: setting.redis, owned: false, prefix };
  const url = typeof setting.redis === 'string' ? setting.redis : (env.REDIS_URL ?? DEFAULT_REDIS_URL);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    reconnectOnError,
    tls: redisTlsOptions(url, env),
  });
  let away = false;
  redis.on('error', (error: Error) => {
    if (away) return;
    away = true;
    warn(`Redis ${displayRedisUrl(url)} is unreachable; reports wait in memory until it is back`, error);
  });
  redis.on('ready', () => {
    away = false;
  });
  return { redis, owned: true, prefix };
}
