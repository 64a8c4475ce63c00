import { type AlertEvent, TAXONOMY } from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * Events in the window ending now, from two fixed windows: all of the current one and the part of the
 * previous one the sliding window still covers, assuming its events were spread evenly. Adding both
 * whole would call a burst "sustained" over up to twice RATE_LIMIT_ALERT_WINDOW.
 */
export function slidingCount(
  now: number,
  windowMs: number,
  current: string | number | null | undefined,
  previous: string | number | null | undefined,
): number {
  const elapsed = (now % windowMs) / windowMs;
  return Number(current ?? 0) + Number(previous ?? 0) * (1 - elapsed);
}

/**
 * Whether a provider's rate limits (or invalid requests, unknown errors: the `when_sustained`
 * categories) are sustained: RATE_LIMIT_ALERT_THRESHOLD (BURST_ALERT_THRESHOLD) of them within
 * RATE_LIMIT_ALERT_WINDOW, counted in two fixed windows weighted into a sliding one.
 */
export function rateLimitWindow(
  redis: Redis,
  keys: RedisKeys,
  cfg: { rateLimitWindowMs: number; rateLimitThreshold: number; burstThreshold: number },
) {
  const bucketOf = (now: number) => Math.floor(now / cfg.rateLimitWindowMs);
  // Rate limits keep their key (`rl:<provider>:<bucket>`); other counted categories get their own.
  const windowKey = (event: AlertEvent, bucket: number) =>
    keys.rateLimitWindow(
      event.category === 'rate_limit' ? event.provider : `${event.category}:${event.provider}`,
      bucket,
    );
  const counted = (event: AlertEvent) => TAXONOMY[event.category].alerts === 'when_sustained';
  return {
    /** Called for every event; costs nothing for categories that need no counting. */
    note(event: AlertEvent, now: number): Promise<unknown> | null {
      if (event.state === 'resolved' || !counted(event)) return null;
      const key = windowKey(event, bucketOf(now));
      return redis
        .multi()
        .incr(key)
        .pexpire(key, cfg.rateLimitWindowMs * 2)
        .exec();
    },

    async sustained(event: AlertEvent, now: number): Promise<boolean> {
      if (!counted(event)) return false;
      const bucket = bucketOf(now);
      const [current, previous] = await redis.mget(windowKey(event, bucket), windowKey(event, bucket - 1));
      const threshold = event.category === 'rate_limit' ? cfg.rateLimitThreshold : cfg.burstThreshold;
      return slidingCount(now, cfg.rateLimitWindowMs, current, previous) >= threshold;
    },
  };
}
export type RateLimitWindow = ReturnType<typeof rateLimitWindow>;
