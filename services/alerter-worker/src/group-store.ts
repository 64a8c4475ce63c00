import type { AlertEvent } from '@faultline/core';
import { listAlertGroups, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * A group's whole life is a Redis hash changed only by these scripts, so K alerter replicas decide
 * exactly what one would: who opens a group, who takes a notification, who resolves it.
 * Fields: gen (bumped when a resolved group reopens), state (pending|open|resolved), count,
 * notified (count at the last notification), notifications, firstSeen, lastSeen, lastNotifiedAt,
 * repeatPending, event (the first event, JSON).
 */
const RECORD = `
local g = KEYS[1]
local now = tonumber(ARGV[1])
local state = redis.call('HGET', g, 'state')
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', g, ARGV[5])
if (not state) or state == 'resolved' then
  local gen = redis.call('HINCRBY', g, 'gen', 1)
  redis.call('HSET', g, 'state', 'pending', 'count', 1, 'notified', 0, 'notifications', 0,
    'firstSeen', now, 'lastSeen', now, 'lastNotifiedAt', 0, 'repeatPending', 0, 'event', ARGV[3], 'rank', ARGV[6])
  redis.call('PEXPIRE', g, ARGV[5])
  return {'new', gen, 0}
end
redis.call('HINCRBY', g, 'count', 1)
redis.call('HSET', g, 'lastSeen', now)
if state == 'open' then redis.call('ZADD', KEYS[3], now, ARGV[2]) end
local gen = tonumber(redis.call('HGET', g, 'gen'))
-- A more severe event becomes the group's face (a model's first failure, then its critical outage),
-- and an open group notifies again at once instead of waiting for the repeat interval.
local escalated = tonumber(ARGV[6]) > tonumber(redis.call('HGET', g, 'rank') or '0')
if escalated then redis.call('HSET', g, 'event', ARGV[3], 'rank', ARGV[6]) end
if state == 'open' and redis.call('HGET', g, 'repeatPending') == '0' then
  local last = tonumber(redis.call('HGET', g, 'lastNotifiedAt'))
  if escalated or now - last >= tonumber(ARGV[4]) then
    redis.call('HSET', g, 'repeatPending', 1)
    return {'repeat', gen, last}
  end
end
return {'counted', gen, 0}`;

/** Takes what happened since the last notification; nothing when another replica took it already. */
const TAKE = `
local g = KEYS[1]
if redis.call('HGET', g, 'gen') ~= ARGV[2] then return false end
local state = redis.call('HGET', g, 'state')
if state ~= 'pending' and state ~= 'open' then return false end
local count = tonumber(redis.call('HGET', g, 'count'))
local notified = tonumber(redis.call('HGET', g, 'notified'))
redis.call('HSET', g, 'repeatPending', 0)
if state == 'open' and count <= notified then return false end
local n = redis.call('HINCRBY', g, 'notifications', 1)
redis.call('HSET', g, 'state', 'open', 'notified', count, 'lastNotifiedAt', ARGV[1])
redis.call('ZADD', KEYS[2], redis.call('HGET', g, 'lastSeen'), ARGV[3])
return {count, notified, redis.call('HGET', g, 'firstSeen'), redis.call('HGET', g, 'lastSeen'), n, redis.call('HGET', g, 'event')}`;

/** Closes an open group (recovery, or quiet for long enough); a pending one closes without a word. */
const RESOLVE = `
local g = KEYS[1]
local state = redis.call('HGET', g, 'state')
if state ~= 'pending' and state ~= 'open' then
  redis.call('ZREM', KEYS[2], ARGV[4])
  return false
end
if ARGV[2] ~= '' and redis.call('HGET', g, 'gen') ~= ARGV[2] then return false end
local lastSeen = tonumber(redis.call('HGET', g, 'lastSeen'))
if ARGV[3] ~= '' and tonumber(ARGV[1]) - lastSeen < tonumber(ARGV[3]) then return {'later', lastSeen} end
redis.call('HSET', g, 'state', 'resolved', 'resolvedAt', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[4])
return {'resolved', state, redis.call('HGET', g, 'count'), redis.call('HGET', g, 'firstSeen'), lastSeen,
  redis.call('HGET', g, 'gen'), redis.call('HGET', g, 'event')}`;

type Raw = (...args: (string | number)[]) => Promise<unknown>;

const SEVERITY_RANK: Record<AlertEvent['severity'], number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export interface TakenNotification {
  count: number;
  previouslyNotified: number;
  firstSeen: number;
  lastSeen: number;
  number: number;
  event: AlertEvent;
}

export type ResolveOutcome =
  | { kind: 'none' }
  | { kind: 'later'; lastSeen: number }
  | {
      kind: 'resolved';
      wasNotified: boolean;
      count: number;
      firstSeen: number;
      lastSeen: number;
      gen: number;
      event: AlertEvent;
    };

export function groupStore(redis: Redis, keys: RedisKeys, ttlMs: number) {
  redis.defineCommand('faultlineGroupRecord', { numberOfKeys: 3, lua: RECORD });
  redis.defineCommand('faultlineGroupTake', { numberOfKeys: 2, lua: TAKE });
  redis.defineCommand('faultlineGroupResolve', { numberOfKeys: 2, lua: RESOLVE });
  const r = redis as unknown as Record<
    'faultlineGroupRecord' | 'faultlineGroupTake' | 'faultlineGroupResolve',
    Raw
  >;

  return {
    async record(fp: string, event: AlertEvent, now: number, repeatIntervalMs: number) {
      const [outcome, gen, lastNotifiedAt] = (await r.faultlineGroupRecord.call(
        redis,
        keys.alertGroup(fp),
        keys.alertGroupIndex(),
        keys.openAlertGroups(),
        now,
        fp,
        JSON.stringify(event),
        repeatIntervalMs,
        ttlMs,
        SEVERITY_RANK[event.severity],
      )) as [string, number, number];
      return { outcome: outcome as 'new' | 'repeat' | 'counted', gen, lastNotifiedAt };
    },

    async take(fp: string, gen: number, now: number): Promise<TakenNotification | null> {
      const res = (await r.faultlineGroupTake.call(
        redis,
        keys.alertGroup(fp),
        keys.openAlertGroups(),
        now,
        gen,
        fp,
      )) as (string | number)[] | null;
      if (!res) return null;
      return {
        count: Number(res[0]),
        previouslyNotified: Number(res[1]),
        firstSeen: Number(res[2]),
        lastSeen: Number(res[3]),
        number: Number(res[4]),
        event: JSON.parse(String(res[5])),
      };
    },

    /** `quietMs` set: resolve only when no event came for that long; `gen` set: only that generation. */
    async resolve(
      fp: string,
      now: number,
      opts: { gen?: number; quietMs?: number } = {},
    ): Promise<ResolveOutcome> {
      const res = (await r.faultlineGroupResolve.call(
        redis,
        keys.alertGroup(fp),
        keys.openAlertGroups(),
        now,
        opts.gen ?? '',
        opts.quietMs ?? '',
        fp,
      )) as (string | number)[] | null;
      if (!res) return { kind: 'none' };
      if (res[0] === 'later') return { kind: 'later', lastSeen: Number(res[1]) };
      return {
        kind: 'resolved',
        wasNotified: res[1] === 'open',
        count: Number(res[2]),
        firstSeen: Number(res[3]),
        lastSeen: Number(res[4]),
        gen: Number(res[5]),
        event: JSON.parse(String(res[6])),
      };
    },

    /** Open groups whose last event is older than `before`, oldest first. */
    quietSince: (before: number, limit: number) =>
      redis.zrangebyscore(keys.openAlertGroups(), 0, before, 'LIMIT', 0, limit),

    list: (limit = 50) => listAlertGroups(redis, keys, limit),
  };
}
export type GroupStore = ReturnType<typeof groupStore>;
