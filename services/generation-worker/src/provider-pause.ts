import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import { sharedReads } from './shared-reads.ts';

/** A rate-limited provider is left alone for a while by every worker process: one key with a TTL. */
const EXTEND = luaScript<'pause', 'ms', number>(
  new URL('./scripts/extend-pause.lua', import.meta.url),
  ['pause'],
  ['ms'],
);

/**
 * How stale a process's view of another process's pause may be. Reading Redis for every job cost a
 * round trip per job; a pause set elsewhere is seen within this long instead.
 */
const REFRESH_MS = 100;

export function providerPause(redis: Redis, keys: RedisKeys) {
  const known = new Map<string, { until: number; checkedAt: number }>();
  const read = sharedReads<number>();
  return {
    /** A number while the view is fresh (every job asks: no promise for the common case), else a read. */
    remainingMs(provider: string): number | Promise<number> {
      const now = Date.now();
      const seen = known.get(provider);
      if (seen && now - seen.checkedAt < REFRESH_MS) return Math.max(0, seen.until - now);
      return read(provider, async () => {
        const left = Math.max(0, await redis.pttl(keys.providerPause(provider)));
        known.set(provider, { until: now + left, checkedAt: now });
        return left;
      });
    },
    async pause(provider: string, ms: number): Promise<void> {
      const wait = Math.max(1, Math.round(ms));
      await EXTEND.run(redis, { pause: keys.providerPause(provider) }, { ms: wait });
      const now = Date.now();
      known.set(provider, { until: Math.max(known.get(provider)?.until ?? 0, now + wait), checkedAt: now });
    },
  };
}
export type ProviderPause = ReturnType<typeof providerPause>;
