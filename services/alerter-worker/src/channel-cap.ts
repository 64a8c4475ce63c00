import { HOUR_MS } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/** 0 send, 1 held, 2 held and the first held this hour. */
const ADMIT = luaScript<'count' | 'heldTitles' | 'verdicts', 'max' | 'title' | 'id', number>(
  new URL('./scripts/cap-admit.lua', import.meta.url),
  ['count', 'heldTitles', 'verdicts'],
  ['max', 'title', 'id'],
);

export function channelCap(redis: Redis, keys: RedisKeys, maxPerHour: number) {
  return {
    /** 'send', 'held', or 'held-first' (schedule the summary), for `notificationId` in the hour of `at`. */
    async admit(
      target: string,
      notificationId: string,
      title: string,
      at: number,
    ): Promise<'send' | 'held' | 'held-first'> {
      const hour = Math.floor(at / HOUR_MS);
      const res = await ADMIT.run(
        redis,
        {
          count: keys.channelCap(target, hour),
          heldTitles: keys.channelHeld(target, hour),
          verdicts: keys.channelCapVerdicts(target, hour),
        },
        { max: maxPerHour, title, id: notificationId },
      );
      return res === 0 ? 'send' : res === 2 ? 'held-first' : 'held';
    },
    async held(target: string, hour: number): Promise<string[]> {
      return redis.lrange(keys.channelHeld(target, hour), 0, -1);
    },
  };
}
export type ChannelCap = ReturnType<typeof channelCap>;
