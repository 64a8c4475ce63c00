import type { GroupResolution, GroupTake, Notification } from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * What a flush takes from a group (and what a resolution closes) is written here in the same script
 * that takes it, and removed only once its delivery jobs are queued. A flush that fails or dies in
 * between is retried with the same id and finds the same notification; one nobody retries (a flush
 * inline in an event's last attempt, a quiet sweep) is queued by the next sweep. Delivery job ids
 * derive from the notification, so queueing one twice adds nothing.
 */
export const outboxKeys = (keys: RedisKeys) => ({
  /** id → the take or resolution (JSON); `<id>|n` → the notification decided for a take. */
  entries: keys.alertOutbox(),
  /** id → when it was written, for the sweep to find what was left behind. */
  times: keys.alertOutboxTimes(),
});

/**
 * Takes what happened since the last notification; nothing when another replica took it already.
 * A group whose last member recovered goes out as "fired and resolved" (told = resolved) and closes
 * here when its hold has passed; a test alert closes at once (it is not an incident).
 */
const TAKE = `
local kept = redis.call('HMGET', KEYS[3], ARGV[4], ARGV[4] .. '|n')
if kept[1] then return kept end
local g = KEYS[1]
if redis.call('HGET', g, 'gen') ~= ARGV[2] then return false end
local state = redis.call('HGET', g, 'state')
if state ~= 'pending' and state ~= 'open' then return false end
-- This flush's notification was queued already: a late retry of it takes nothing more.
if redis.call('HGET', g, 'lastFlush') == ARGV[4] then return false end
local count = tonumber(redis.call('HGET', g, 'count'))
local notified = tonumber(redis.call('HGET', g, 'notified'))
redis.call('HSET', g, 'repeatPending', 0)
if state == 'open' and count <= notified then return false end
local n = redis.call('HINCRBY', g, 'notifications', 1)
local held = tonumber(redis.call('HGET', g, 'held') or '0')
local heldBefore = tonumber(redis.call('HGET', g, 'heldNotified') or '0')
local lastSeen = redis.call('HGET', g, 'lastSeen')
local now = tonumber(ARGV[1])
local resolving = tonumber(redis.call('HGET', g, 'resolving') or '0')
local event = redis.call('HGET', g, 'event')
local members = {}
for _, k in ipairs(redis.call('HKEYS', g)) do
  local p = string.sub(k, 1, 2)
  if p == 'm:' or p == 's:' then members[#members + 1] = string.sub(k, 3) end
end
table.sort(members)
local closes = string.find(event, '"source":"test"', 1, true) or (resolving > 0 and now - resolving >= tonumber(ARGV[5]))
redis.call('HSET', g, 'state', closes and 'resolved' or 'open', 'notified', count, 'lastNotifiedAt', ARGV[1],
  'lastFlush', ARGV[4], 'heldNotified', held, 'told', resolving > 0 and 'resolved' or 'firing')
if closes then
  redis.call('HSET', g, 'resolvedAt', now)
  redis.call('ZREM', KEYS[2], ARGV[3])
elseif redis.call('HGET', g, 'quiet') ~= '0' then
  redis.call('ZADD', KEYS[2], lastSeen, ARGV[3])
end
local entry = cjson.encode({kind = 'take', fingerprint = ARGV[3], gen = tonumber(ARGV[2]), number = n,
  count = count, previouslyNotified = notified, firstSeen = tonumber(redis.call('HGET', g, 'firstSeen')),
  lastSeen = tonumber(lastSeen), at = now, heldUnderIncident = held - heldBefore,
  flaps = tonumber(redis.call('HGET', g, 'flaps') or '0'),
  recoveries = tonumber(redis.call('HGET', g, 'recoveries') or '0'),
  resolvingSince = resolving > 0 and resolving or false, closed = closes and true or false, members = table.concat(members, '\\n'),
  event = event})
redis.call('HSET', KEYS[3], ARGV[4], entry)
redis.call('ZADD', KEYS[4], ARGV[1], ARGV[4])
redis.call('ZREM', KEYS[5], ARGV[3])
return {entry, false}`;

/**
 * Keeps the first notification decided for a take (a retry re-reads facts that may have changed since)
 * and applies, once, what deciding it does to other groups: a provider-wide group that notifies starts
 * inhibiting its provider's single-model alerts, and an inhibited alert is counted under that incident.
 */
const DECIDE = `
-- Already queued by another hand (a retry, the sweep): queueing it again adds nothing, so no effects.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return ARGV[2] end
local nkey = ARGV[1] .. '|n'
if redis.call('HSETNX', KEYS[1], nkey, ARGV[2]) == 0 then return redis.call('HGET', KEYS[1], nkey) end
local current = redis.call('HGET', KEYS[2], 'gen') == ARGV[3] and redis.call('HGET', KEYS[2], 'state') == 'open'
if current and ARGV[7] == '1' then redis.call('HSET', KEYS[2], 'toldPeople', 1) end
if current and ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], 'incident', 1)
  redis.call('SET', KEYS[3], ARGV[4] .. ':' .. ARGV[3], 'PX', ARGV[5])
end
if ARGV[8] ~= '' and redis.call('HGET', KEYS[4], 'gen') == ARGV[8] and redis.call('HGET', KEYS[4], 'state') == 'open' then
  redis.call('HINCRBY', KEYS[4], 'held', 1)
end
return ARGV[2]`;

export type OutboxEntry =
  | { id: string; kind: 'take'; take: GroupTake; decided: Notification | null }
  | { id: string; kind: 'resolution'; resolution: GroupResolution };

/** An entry as the scripts wrote it (cjson, the event as a JSON string inside). */
export function parseOutboxEntry(id: string, raw: string, decided: string | null): OutboxEntry {
  const { kind, event, toldPeople, ...rest } = JSON.parse(raw);
  if (kind === 'take') {
    // cjson writes an empty Lua table as {}: members travel as one newline-joined string instead.
    const { members, resolvingSince, ...fields } = rest;
    const take = {
      ...fields,
      members: typeof members === 'string' && members ? members.split('\n') : [],
      resolvingSince: typeof resolvingSince === 'number' ? resolvingSince : null,
      event: JSON.parse(event),
    } as GroupTake;
    return { id, kind, take, decided: decided ? JSON.parse(decided) : null };
  }
  const told = toldPeople === '1' ? true : toldPeople === '0' ? false : null;
  const { recovered, ...fields } = rest;
  return {
    id,
    kind: 'resolution',
    resolution: {
      ...fields,
      recovered: typeof recovered === 'string' && recovered ? recovered.split('\n') : [],
      toldPeople: told,
      event: JSON.parse(event),
    },
  };
}

type Raw = (...args: (string | number)[]) => Promise<unknown>;

export function notificationOutbox(
  redis: Redis,
  keys: RedisKeys,
  ttlMs: number,
  /** ALERT_RESOLVE_HOLD: a take of a group resolving for this long closes it. */
  holdMs = 0,
) {
  redis.defineCommand('faultlineOutboxTake', { numberOfKeys: 5, lua: TAKE });
  redis.defineCommand('faultlineOutboxDecide', { numberOfKeys: 4, lua: DECIDE });
  const r = redis as unknown as Record<'faultlineOutboxTake' | 'faultlineOutboxDecide', Raw>;
  const { entries, times } = outboxKeys(keys);

  return {
    /** `flushId` names this flush: its retries (and a replayed inline flush) get the same take back. */
    async take(fp: string, gen: number, flushId: string, now: number): Promise<OutboxEntry | null> {
      const res = (await r.faultlineOutboxTake.call(
        redis,
        keys.alertGroup(fp),
        keys.openAlertGroups(),
        entries,
        times,
        keys.alertGroupsDue(),
        now,
        gen,
        fp,
        flushId,
        holdMs,
      )) as [string | null, string | null] | null;
      if (!res?.[0]) return null;
      return parseOutboxEntry(flushId, res[0], res[1]);
    },

    /** The notification this take goes out as: `n` the first time, what was kept before on a retry. */
    async decide(
      entry: { id: string; take: GroupTake },
      n: Notification,
      effects: {
        opensIncident: boolean;
        provider: string;
        heldUnder: { fingerprint: string; gen: number } | null;
      },
    ): Promise<Notification> {
      const group = keys.alertGroup(entry.take.fingerprint);
      const kept = (await r.faultlineOutboxDecide.call(
        redis,
        entries,
        group,
        keys.inhibit(effects.provider),
        effects.heldUnder ? keys.alertGroup(effects.heldUnder.fingerprint) : group,
        entry.id,
        JSON.stringify(n),
        entry.take.gen,
        entry.take.fingerprint,
        ttlMs,
        effects.opensIncident ? 1 : 0,
        n.notify ? 1 : 0,
        effects.heldUnder?.gen ?? '',
      )) as string;
      return JSON.parse(kept);
    },

    /** Its delivery jobs are queued: nothing left to do for this entry. */
    async done(id: string): Promise<void> {
      await redis.multi().hdel(entries, id, `${id}|n`).zrem(times, id).exec();
    },

    /** Entries written before `before` and still not done, oldest first. */
    async leftBefore(before: number, limit: number): Promise<OutboxEntry[]> {
      const ids = await redis.zrangebyscore(times, 0, before, 'LIMIT', 0, limit);
      const found: OutboxEntry[] = [];
      for (const id of ids) {
        const [raw, decided] = await redis.hmget(entries, id, `${id}|n`);
        if (raw) found.push(parseOutboxEntry(id, raw, decided ?? null));
        else await redis.zrem(times, id);
      }
      return found;
    },
  };
}
export type NotificationOutbox = ReturnType<typeof notificationOutbox>;
