import type { StormConfig } from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import type { AggregateGroup, AggregateKind } from './aggregate-events.ts';

/**
 * `nextStorm` (packages/core/src/health/storm.ts) in one step, so replicas count each model once
 * and exactly one of them publishes the storm, and one its end. KEYS[1]: the storm's models
 * (sorted set, model → when it entered); KEYS[2]: the firing flag, holding the storm's alert group.
 * ARGV: now, windowMs, enter|leave, model, threshold, group JSON, flag TTL.
 */
const STORM_STEP = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if ARGV[3] == 'enter' then redis.call('ZADD', KEYS[1], now, ARGV[4]) else redis.call('ZREM', KEYS[1], ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
if count > tonumber(ARGV[5]) then
  if redis.call('SET', KEYS[2], ARGV[6], 'NX', 'PX', ARGV[7]) then return {'fired', count, ARGV[6]} end
  return {'', count}
end
local group = redis.call('GET', KEYS[2])
if group then
  redis.call('DEL', KEYS[2])
  return {'ended', count, group}
end
return {'', count}`;

/**
 * `isProviderOutage` (packages/core/src/health/aggregates.ts) and the firing flag in one step: read
 * apart, a probe that saw a peer still failing could re-open an outage that peer's recovery had just
 * ended. KEYS[1]: the flag; KEYS[2..]: each watched model's health. ARGV: group JSON, flag TTL.
 */
const OPEN_OUTAGE = `
for i = 2, #KEYS do
  local raw = redis.call('GET', KEYS[i])
  if not raw then return 0 end
  local h = cjson.decode(raw)
  if not ((tonumber(h.consecutiveFailures) or 0) > 0 or h.breaker == 'open') then return 0 end
end
if #KEYS < 2 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

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
  redis.defineCommand('faultlineStormStep', { numberOfKeys: 2, lua: STORM_STEP });
  redis.defineCommand('faultlineOpenOutage', { lua: OPEN_OUTAGE });
  type Script = (...a: (string | number)[]) => Promise<unknown>;
  const scripts = redis as unknown as { faultlineStormStep: Script; faultlineOpenOutage: Script };
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
      const opened = await scripts.faultlineOpenOutage.call(
        redis,
        1 + healthKeys.length,
        flag,
        ...healthKeys,
        JSON.stringify(group),
        FLAG_TTL_MS,
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
      const [outcome, count, raw] = (await scripts.faultlineStormStep.call(
        redis,
        keys.stormMembers(group.kind, group.provider, cfg.windowMs),
        flagKey(group.kind, group.provider),
        now,
        cfg.windowMs,
        change.op,
        change.model,
        cfg.threshold,
        JSON.stringify(group),
        FLAG_TTL_MS,
      )) as [string, number, string | undefined];
      return {
        outcome: outcome === 'fired' || outcome === 'ended' ? outcome : null,
        count,
        group: raw ? parseGroup(raw) : null,
      };
    },
  };
}
export type AggregateStore = ReturnType<typeof aggregateStore>;
