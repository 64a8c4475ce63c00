import {
  type AlertEvent,
  documentedScope,
  isProviderWide,
  type RoutingFacts,
  TAXONOMY,
} from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/** The group holding a provider's inhibition, as the inhibit key names it: `<fingerprint>:<gen>`. */
export interface IncidentGroup {
  fingerprint: string;
  gen: number;
}

const holderOf = (value: string | null): IncidentGroup | null => {
  const [fingerprint, gen] = value?.split(':') ?? [];
  return fingerprint && gen ? { fingerprint, gen: Number(gen) } : null;
};

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
 * The Redis-held facts routing needs: how many rate limits (or invalid requests, unknown errors) a provider had lately (two fixed windows,
 * current and previous, weighted into a sliding one: see slidingCount), and whether a provider-wide incident is firing.
 * The inhibit key is set when an incident notifies and renewed by each of its events (in the group
 * scripts), and cleared here when that group resolves.
 */
export function incidentFacts(
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
  /**
   * Whether the provider's incident speaks for this model: the model fails in it (the probes' members,
   * the models traffic saw), it is an outage of every model, or its code is documented as key-wide.
   * A key's incident does not mute what another model says of itself (its decommission, say).
   */
  async function covers(holder: IncidentGroup, model: string): Promise<boolean> {
    const [member, seen, outage, face] = await redis.hmget(
      keys.alertGroup(holder.fingerprint),
      `m:${model}`,
      `s:${model}`,
      'm:@provider_outage',
      'event',
    );
    if (member || seen || outage) return true;
    if (!face) return false;
    const e = JSON.parse(face) as AlertEvent;
    return documentedScope(e.provider, e.gateway, [e.providerCode, e.reason, e.statusCode]) === 'key';
  }
  const counted = (event: AlertEvent) => TAXONOMY[event.category].alerts === 'when_sustained';
  return {
    /** Called for every event; costs nothing for categories that need no counting. */
    note(event: AlertEvent, now: number): Promise<unknown> | null {
      if (event.state === 'resolved') return null;
      if (counted(event)) {
        const key = windowKey(event, bucketOf(now));
        return redis
          .multi()
          .incr(key)
          .pexpire(key, cfg.rateLimitWindowMs * 2)
          .exec();
      }
      return null;
    },

    /** Only this generation's mark: a stale resolution must not end the group's next incident. */
    closeIncident(event: AlertEvent, group: IncidentGroup): Promise<unknown> | null {
      if (!isProviderWide(event)) return null;
      return redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        keys.inhibit(event.provider),
        `${group.fingerprint}:${group.gen}`,
      );
    },

    /** Whether this event's category is sustained for its provider now (only `when_sustained` ones can be). */
    async sustained(event: AlertEvent, now: number): Promise<boolean> {
      if (!counted(event)) return false;
      const bucket = bucketOf(now);
      const [current, previous] = await redis.mget(windowKey(event, bucket), windowKey(event, bucket - 1));
      const threshold = event.category === 'rate_limit' ? cfg.rateLimitThreshold : cfg.burstThreshold;
      return slidingCount(now, cfg.rateLimitWindowMs, current, previous) >= threshold;
    },

    async facts(event: AlertEvent, now: number): Promise<RoutingFacts & { incident: IncidentGroup | null }> {
      const bucket = bucketOf(now);
      const [current, previous, incident] = await redis.mget(
        windowKey(event, bucket),
        windowKey(event, bucket - 1),
        keys.inhibit(event.provider),
      );
      const holder = holderOf(incident ?? null);
      const inhibited =
        holder !== null &&
        event.model !== null &&
        !isProviderWide(event) &&
        (await covers(holder, event.model));
      const threshold = event.category === 'rate_limit' ? cfg.rateLimitThreshold : cfg.burstThreshold;
      return {
        sustained: counted(event) && slidingCount(now, cfg.rateLimitWindowMs, current, previous) >= threshold,
        inhibited,
        incident: inhibited ? holder : null,
      };
    },
  };
}
export type IncidentFacts = ReturnType<typeof incidentFacts>;
