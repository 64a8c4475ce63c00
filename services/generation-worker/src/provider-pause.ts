import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * A rate-limited provider is left alone for a while by every worker process: one key with a TTL.
 * SET … PX … GT-like semantics come from only ever extending: a shorter pause never cuts a longer one.
 */
const EXTEND = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], 1, 'PX', ARGV[1]) end
return 1`;

export function providerPause(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('faultlineExtendPause', { numberOfKeys: 1, lua: EXTEND });
  const extend = (redis as unknown as { faultlineExtendPause: (key: string, ms: number) => Promise<number> })
    .faultlineExtendPause;
  return {
    async remainingMs(provider: string): Promise<number> {
      return Math.max(0, await redis.pttl(keys.providerPause(provider)));
    },
    async pause(provider: string, ms: number): Promise<void> {
      await extend.call(redis, keys.providerPause(provider), Math.max(1, Math.round(ms)));
    },
  };
}
export type ProviderPause = ReturnType<typeof providerPause>;
