import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * ALERT_MAX_PER_HOUR per channel: a storm of distinct groups is held back past the cap, and the
 * first held one in an hour asks for one summary at the end of that hour.
 */
const ADMIT = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 7200000)
if n <= tonumber(ARGV[1]) then return 0 end
local held = redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, 199)
redis.call('PEXPIRE', KEYS[2], 7200000)
if held == 1 then return 2 end
return 1`;

export const HOUR_MS = 3_600_000;

export function channelCap(redis: Redis, keys: RedisKeys, maxPerHour: number) {
  redis.defineCommand('faultlineCapAdmit', { numberOfKeys: 2, lua: ADMIT });
  const admit = (redis as unknown as { faultlineCapAdmit: (...a: (string | number)[]) => Promise<number> })
    .faultlineCapAdmit;
  return {
    /** 'send', 'held', or 'held-first' (schedule the summary). */
    async admit(channel: string, title: string, now: number): Promise<'send' | 'held' | 'held-first'> {
      const hour = Math.floor(now / HOUR_MS);
      const res = await admit.call(
        redis,
        keys.channelCap(channel, hour),
        keys.channelHeld(channel, hour),
        maxPerHour,
        title,
      );
      return res === 0 ? 'send' : res === 2 ? 'held-first' : 'held';
    },
    async held(channel: string, hour: number): Promise<string[]> {
      return redis.lrange(keys.channelHeld(channel, hour), 0, -1);
    },
  };
}
export type ChannelCap = ReturnType<typeof channelCap>;
