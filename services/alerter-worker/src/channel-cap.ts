import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * ALERT_MAX_PER_HOUR per delivery target: a storm of distinct groups is held back past the cap, and
 * the first held one in an hour asks for one summary at the end of that hour. The verdict is kept
 * per notification, so a dispatch retried after a failure is counted once and gets the same answer.
 */
const ADMIT = `
local prior = redis.call('HGET', KEYS[3], ARGV[3])
if prior then return tonumber(prior) end
local verdict = 0
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 7200000)
if n > tonumber(ARGV[1]) then
  local held = redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], 0, 199)
  redis.call('PEXPIRE', KEYS[2], 7200000)
  verdict = held == 1 and 2 or 1
end
redis.call('HSET', KEYS[3], ARGV[3], verdict)
redis.call('PEXPIRE', KEYS[3], 7200000)
return verdict`;

export const HOUR_MS = 3_600_000;

export function channelCap(redis: Redis, keys: RedisKeys, maxPerHour: number) {
  redis.defineCommand('faultlineCapAdmit', { numberOfKeys: 3, lua: ADMIT });
  const admit = (redis as unknown as { faultlineCapAdmit: (...a: (string | number)[]) => Promise<number> })
    .faultlineCapAdmit;
  return {
    /** 'send', 'held', or 'held-first' (schedule the summary), for `notificationId` in the hour of `at`. */
    async admit(
      target: string,
      notificationId: string,
      title: string,
      at: number,
    ): Promise<'send' | 'held' | 'held-first'> {
      const hour = Math.floor(at / HOUR_MS);
      const res = await admit.call(
        redis,
        keys.channelCap(target, hour),
        keys.channelHeld(target, hour),
        `${keys.channelCap(target, hour)}:verdicts`,
        maxPerHour,
        title,
        notificationId,
      );
      return res === 0 ? 'send' : res === 2 ? 'held-first' : 'held';
    },
    async held(target: string, hour: number): Promise<string[]> {
      return redis.lrange(keys.channelHeld(target, hour), 0, -1);
    },
  };
}
export type ChannelCap = ReturnType<typeof channelCap>;
