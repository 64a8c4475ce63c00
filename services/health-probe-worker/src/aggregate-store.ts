import type { StormConfig } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import type { AggregateGroup, AggregateKind } from './aggregate-events.ts';

const STORM_STEP = luaScript<
  'members' | 'flag',
  'now' | 'windowMs' | 'op' | 'model' | 'threshold' | 'group' | 'flagTtlMs',
  [string, number, string | undefined]
>(
  new URL('./scripts/storm-step.lua', import.meta.url),
  ['members', 'flag'],
  ['now', 'windowMs', 'op', 'model', 'threshold', 'group', 'flagTtlMs'],
);

const OPEN_OUTAGE = luaScript<'flag', 'group' | 'flagTtlMs', number>(
  new URL('./scripts/open-outage.lua', import.meta.url),
  ['flag'],
  ['group', 'flagTtlMs'],
);

/** A firing flag outlives no incident by more than this: a lost recovery must not mute the next one. */
export const FLAG_TTL_MS = 24 * 3_600_000;

function parseGroup(raw: string): AggregateGroup | null {
  try {
    const group = JSON.parse(raw) as AggregateGroup | null;
    return typeof group === 'object' && group !== null && 'category' in group ? group : null;
  } catch {
    return null;
  }
}

export interface StormStepResult {
  outcome: 'fired' | 'ended' | null;
  count: number;
  /** The group stored when the storm fired; for `ended`, what its recovery must repeat. */
  group: AggregateGroup | null;
}

/** Where aggregates keep their state between probes: firing flags and storm members. */
export function aggregateStore(redis: Redis, keys: RedisKeys) {
  const flagKey = (kind: AggregateKind, provider: string) => keys.aggregateFlag(kind, provider);
  return {
    /** Marks the aggregate firing; true only for the one caller that did, so it is published once. */
    async open(group: AggregateGroup): Promise<boolean> {
      const set = await redis.set(
        flagKey(group.kind, group.provider),
        JSON.stringify(group),
        'PX',
        FLAG_TTL_MS,
        'NX',
      );
      return set === 'OK';
    },
    /** Opens the provider outage if every one of `modelKeys` is failing; true for the one caller that did. */
    async openOutage(group: AggregateGroup, modelKeys: string[]): Promise<boolean> {
      const flag = flagKey('provider_outage', group.provider);
      const healthKeys = modelKeys.map((k) => keys.modelHealth(k));
      const opened = await OPEN_OUTAGE.run(
        redis,
        { flag },
        { group: JSON.stringify(group), flagTtlMs: FLAG_TTL_MS },
        healthKeys,
      );
      return opened === 1;
    },
    /**
     * Ends the aggregate if it fires: its stored group for the one caller that ended it, else null.
     * `fallback` stands in for a flag an older replica set without its group.
     */
    async close(
      kind: AggregateKind,
      provider: string,
      fallback: AggregateGroup,
    ): Promise<AggregateGroup | null> {
      const key = flagKey(kind, provider);
      const [[, raw]] = (await redis.multi().get(key).del(key).exec()) as [[null, string | null]];
      return raw === null ? null : (parseGroup(raw) ?? fallback);
    },
    async storm(
      group: AggregateGroup,
      change: { op: 'enter' | 'leave'; model: string },
      now: number,
      cfg: StormConfig,
    ): Promise<StormStepResult> {
      const [outcome, count, raw] = await STORM_STEP.run(
        redis,
        {
          members: keys.stormMembers(group.kind, group.provider, cfg.windowMs),
          flag: flagKey(group.kind, group.provider),
        },
        {
          now,
          windowMs: cfg.windowMs,
          op: change.op,
          model: change.model,
          threshold: cfg.threshold,
          group: JSON.stringify(group),
          flagTtlMs: FLAG_TTL_MS,
        },
      );
      return {
        outcome: outcome === 'fired' || outcome === 'ended' ? outcome : null,
        count,
        group: raw ? parseGroup(raw) : null,
      };
    },
  };
}
export type AggregateStore = ReturnType<typeof aggregateStore>;
