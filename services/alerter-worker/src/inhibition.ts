import { type AlertEvent, documentedScope, isProviderWide } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/** The incident group holding a provider's inhibition, as its mark names it: `<fingerprint>:<gen>`. */
export interface IncidentGroup {
  fingerprint: string;
  gen: number;
}

const RELEASE = luaScript<'inhibit', 'holder', number>(
  new URL('./scripts/release-inhibition.lua', import.meta.url),
  ['inhibit'],
  ['holder'],
);

const holderOf = (value: string | null): IncidentGroup | null => {
  const [fingerprint, gen] = value?.split(':') ?? [];
  return fingerprint && gen ? { fingerprint, gen: Number(gen) } : null;
};

/**
 * Inhibition, one concept in one place (as Alertmanager's inhibitor): while a provider has a
 * CRITICAL key-wide incident (billing, authentication, an outage), that incident's group holds the
 * provider's mark (`inhibit:<provider>`), and the single-model alerts it speaks for are held under
 * it: they go to Sentry, not to people, and its next notification says how many were held.
 * - The mark is taken by the incident's first event (scripts/record.lua), renewed by each of its
 *   events while open, and taken when it notifies (scripts/decide.lua, which also counts `held`).
 * - `mutes` asks the one question routing needs; `release` ends the mark when the group resolves.
 */
export function inhibition(redis: Redis, keys: RedisKeys) {
  /**
   * Whether the incident speaks for this model: the model fails in it (the probes' members, the
   * models traffic saw), it is an outage of every model, or its code is documented as key-wide. A
   * key's incident does not mute what another model says of itself (its decommission, say).
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

  return {
    /** The incident this event's alert is held under, or null when nothing mutes it. */
    async mutes(event: AlertEvent): Promise<IncidentGroup | null> {
      if (event.model === null || isProviderWide(event)) return null;
      const holder = holderOf(await redis.get(keys.inhibit(event.provider)));
      return holder && (await covers(holder, event.model)) ? holder : null;
    },

    /** The incident's group resolved: its provider's alerts reach people again. */
    release(event: AlertEvent, group: IncidentGroup): Promise<unknown> | null {
      if (!isProviderWide(event)) return null;
      return RELEASE.run(
        redis,
        { inhibit: keys.inhibit(event.provider) },
        { holder: `${group.fingerprint}:${group.gen}` },
      );
    },
  };
}
export type Inhibition = ReturnType<typeof inhibition>;
