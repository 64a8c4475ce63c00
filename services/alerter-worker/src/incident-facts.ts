import { type AlertEvent, isProviderWide, type RoutingFacts } from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * The Redis-held facts routing needs: how many rate limits a provider had lately (two fixed windows,
 * current and previous, approximate a sliding one), and whether a provider-wide incident is firing.
 */
export function incidentFacts(
  redis: Redis,
  keys: RedisKeys,
  cfg: { rateLimitWindowMs: number; rateLimitThreshold: number; incidentTtlMs: number },
) {
  const bucketOf = (now: number) => Math.floor(now / cfg.rateLimitWindowMs);
  return {
    /** Called for every event; costs nothing for categories that need no counting. */
    note(event: AlertEvent, now: number): Promise<unknown> | null {
      if (event.state === 'resolved') return null;
      if (event.category === 'rate_limit') {
        const key = keys.rateLimitWindow(event.provider, bucketOf(now));
        return redis
          .multi()
          .incr(key)
          .pexpire(key, cfg.rateLimitWindowMs * 2)
          .exec();
      }
      return null;
    },

    /** Marks the provider as in an incident while its provider-wide group is open. */
    openIncident(event: AlertEvent, fingerprint: string): Promise<unknown> | null {
      if (!isProviderWide(event)) return null;
      return redis.set(keys.inhibit(event.provider), fingerprint, 'PX', cfg.incidentTtlMs);
    },

    closeIncident(event: AlertEvent, fingerprint: string): Promise<unknown> | null {
      if (!isProviderWide(event)) return null;
      return redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        keys.inhibit(event.provider),
        fingerprint,
      );
    },

    async facts(event: AlertEvent, now: number): Promise<RoutingFacts> {
      const bucket = bucketOf(now);
      const [current, previous, incident] = await redis.mget(
        keys.rateLimitWindow(event.provider, bucket),
        keys.rateLimitWindow(event.provider, bucket - 1),
        keys.inhibit(event.provider),
      );
      return {
        rateLimitSustained: Number(current ?? 0) + Number(previous ?? 0) >= cfg.rateLimitThreshold,
        inhibited: Boolean(incident) && event.model !== null && !isProviderWide(event),
      };
    },
  };
}
export type IncidentFacts = ReturnType<typeof incidentFacts>;
