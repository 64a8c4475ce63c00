import {
  type AlertEvent,
  groupMember,
  isProviderLevel,
  isProviderWide,
  resolvesWhenQuiet,
} from '@faultline/core';
import { listAlertGroups, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import { outboxKeys } from './notification-outbox.ts';

/**
 * A group's whole life is a Redis hash changed only by scripts (these, and the take and decide
 * steps in notification-outbox.ts), so K alerter replicas decide exactly what one would: who opens
 * a group, who takes a notification, who resolves it.
 * Fields: gen (bumped when a resolved group reopens), state (pending|open|resolved), count,
 * notified (count at the last notification), notifications, firstSeen, lastSeen, lastNotifiedAt,
 * repeatPending, event (its face, JSON), rank, quiet (0: only a recovery event closes it),
 * incident (1: it holds its provider's inhibition), held/heldNotified (single-model alerts held
 * under it, in all and at its last notification), toldPeople, lastFlush;
 * the lifecycle of a group that recovers: `m:<member>` for each model (or `@aggregate`) failing in it
 * and `members` their count, `r:<member>` when that member last recovered; resolving (when the last
 * member recovered, 0 while firing), recoveries and flaps (fired again after a recovery), told
 * (what its last notification said: firing or resolved).
 * A group resolves when its last member recovers and nothing fires again for ALERT_RESOLVE_HOLD:
 * a sibling's success never removes a member, and an incident that keeps going up and down stays one
 * open group (flapping) instead of a notification per cycle.
 */
const RECORD = `
local g = KEYS[1]
local fp = ARGV[2]
local now = tonumber(ARGV[1])
local member = ARGV[8]
local occurred = tonumber(ARGV[9])
-- One read of every field the decision needs: this runs for every event, so it is kept small.
local f = redis.call('HMGET', g, 'state', 'gen', 'quiet', 'incident', 'rank', 'repeatPending', 'lastNotifiedAt',
  'resolving', 'm:' .. member, 't:' .. member, 'toldPeople', 's:' .. ARGV[11])
local state = f[1]
-- A firing older than its member's last recovery (a late delivery) is history: it neither reopens a
-- closed group nor re-adds the member to an open one.
local stale = member ~= '' and occurred < tonumber(f[10] or '0')
if stale and ((not state) or state == 'resolved') then return {'stale', 0, 0} end
redis.call('ZADD', KEYS[2], now, fp)
if (not state) or state == 'resolved' then
  -- Members of an earlier generation that closed by quiet or TTL must not keep this one open.
  for _, k in ipairs(redis.call('HKEYS', g)) do
    local p = string.sub(k, 1, 2)
    if p == 'm:' or p == 'r:' or p == 's:' then redis.call('HDEL', g, k) end
  end
  local gen = redis.call('HINCRBY', g, 'gen', 1)
  redis.call('HSET', g, 'state', 'pending', 'count', 1, 'notified', 0, 'notifications', 0,
    'firstSeen', now, 'lastSeen', now, 'lastNotifiedAt', 0, 'repeatPending', 0, 'event', ARGV[3], 'rank', ARGV[6],
    'quiet', ARGV[7], 'incident', 0, 'held', 0, 'heldNotified', 0, 'toldPeople', 0,
    'members', member ~= '' and 1 or 0, 'resolving', 0, 'recoveries', 0, 'flaps', 0, 'told', '')
  if member ~= '' then redis.call('HSET', g, 'm:' .. member, occurred) end
  if ARGV[10] == '1' then
    -- A key's incident holds its provider's single-model alerts from its first event, not its first
    -- notification: a critical model's own alert, flushed first, would otherwise go out beside it.
    redis.call('HSET', g, 'incident', 1)
    redis.call('SET', KEYS[4], fp .. ':' .. gen, 'PX', ARGV[5])
  end
  if ARGV[12] == '1' and member == '' and ARGV[11] ~= '' then redis.call('HSET', g, 's:' .. ARGV[11], 1) end
  redis.call('PEXPIRE', g, ARGV[5])
  -- The group's timer is part of its state: a flush job that was never added is found by the sweep.
  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[13]), fp)
  return {'new', gen, 0}
end
local gen = tonumber(f[2])
local quiet = f[3]
local set = {'lastSeen', now}
-- A firing older than the recovery it races (a late delivery) is history, not a new failure.
local late = occurred < tonumber(f[8] or '0') or stale
-- A member keeps its latest failure's time: a recovery older than it ends an earlier incident.
if member ~= '' and not late and (not f[9] or occurred > tonumber(f[9])) then
  set[#set + 1] = 'm:' .. member
  set[#set + 1] = occurred
  if not f[9] then redis.call('HINCRBY', g, 'members', 1) end
end
local flapped = tonumber(f[8] or '0') > 0 and not late
if flapped then
  -- Fired again after recovering: one flap more, and the group stays open.
  redis.call('HINCRBY', g, 'flaps', 1)
  set[#set + 1] = 'resolving'
  set[#set + 1] = 0
  set[#set + 1] = 'told'
  set[#set + 1] = 'firing'
end
-- One health event in a group is enough to make its silence meaningless.
if ARGV[7] == '0' and quiet ~= '0' then
  quiet = '0'
  set[#set + 1] = 'quiet'
  set[#set + 1] = 0
  redis.call('ZREM', KEYS[3], fp)
end
if state == 'open' and quiet ~= '0' then redis.call('ZADD', KEYS[3], now, fp) end
-- An incident inhibits for as long as its group is open: each of its events renews the mark (and takes
-- it back from another incident of the provider that resolved meanwhile). A pending one set it with
-- its first event, for longer than it can stay pending.
if ARGV[10] == '1' and f[4] ~= '1' then
  set[#set + 1] = 'incident'
  set[#set + 1] = 1
  redis.call('SET', KEYS[4], fp .. ':' .. gen, 'PX', ARGV[5])
elseif state == 'open' and f[4] == '1' then
  redis.call('SET', KEYS[4], fp .. ':' .. gen, 'PX', ARGV[5])
end
-- The models traffic saw failing in a provider-level group (an incident, a digest): it names them,
-- and an incident speaks for them (the probes' are members).
if ARGV[12] == '1' and member == '' and ARGV[11] ~= '' and not f[12] then
  set[#set + 1] = 's:' .. ARGV[11]
  set[#set + 1] = 1
end
-- A more severe event becomes the group's face (a model's first failure, then its critical outage),
-- and an open group notifies again at once instead of waiting for the repeat interval.
local escalated = tonumber(ARGV[6]) > tonumber(f[5] or '0')
if escalated then
  set[#set + 1] = 'event'
  set[#set + 1] = ARGV[3]
  set[#set + 1] = 'rank'
  set[#set + 1] = ARGV[6]
end
-- Whether people heard of it: an open group they did not hear of may need telling once it is sustained.
local result = {'counted', gen, tonumber(f[7]) or 0, state == 'open' and f[11] ~= '1' and 0 or 1,
  state == 'pending' and 'first' or (f[6] == '1' and 'repeat' or '')}
if state == 'open' and f[6] == '0' then
  local last = tonumber(f[7])
  -- A flap of a group people have not heard of tells them now, once: a flapping incident is one.
  if escalated or now - last >= tonumber(ARGV[4]) or (flapped and f[11] ~= '1') then
    set[#set + 1] = 'repeatPending'
    set[#set + 1] = 1
    redis.call('ZADD', KEYS[5], now, fp)
    result = {'repeat', gen, last, 1}
  end
end
redis.call('HINCRBY', g, 'count', 1)
redis.call('HSET', g, unpack(set))
redis.call('PEXPIRE', g, ARGV[5])
return result`;

/**
 * A recovery of one member (a model, or an aggregate such as `@provider_outage`): it leaves the group;
 * when it was the last, the group starts resolving (ALERT_RESOLVE_HOLD later it closes, unless it
 * fires again). A recovery of something that is not failing in the group changes nothing. A recovery
 * with no member (another producer's) and groups from before members were kept (no `members` field)
 * start resolving as a whole.
 */
const RECOVER = `
local g = KEYS[1]
local member = ARGV[1]
local at = ARGV[2]
-- Each member's last recovery is kept (a tombstone, for the group's life) so that a firing delivered
-- late, older than it, changes nothing (see RECORD).
if member ~= '' and tonumber(redis.call('HGET', g, 't:' .. member) or '0') < tonumber(at) then
  redis.call('HSET', g, 't:' .. member, at)
  redis.call('PEXPIRE', g, ARGV[3])
end
local state = redis.call('HGET', g, 'state')
if state ~= 'pending' and state ~= 'open' then return false end
local count = redis.call('HGET', g, 'members')
if member == '' then
  -- A recovery from a producer without members (not the health worker) speaks for the whole group.
  for _, k in ipairs(redis.call('HKEYS', g)) do
    if string.sub(k, 1, 2) == 'm:' then redis.call('HDEL', g, k) end
  end
  redis.call('HSET', g, 'members', 0)
elseif count then
  local since = redis.call('HGET', g, 'm:' .. member)
  if not since then return {'stray'} end
  -- A recovery older than the failure it would end belongs to an earlier incident of that member.
  if tonumber(since) > tonumber(at) then return {'stale'} end
  redis.call('HDEL', g, 'm:' .. member)
  redis.call('HSET', g, 'r:' .. member, at)
  if redis.call('HINCRBY', g, 'members', -1) > 0 then return {'partial'} end
end
if tonumber(redis.call('HGET', g, 'resolving') or '0') > 0 then return {'holding'} end
redis.call('HSET', g, 'resolving', at)
redis.call('HINCRBY', g, 'recoveries', 1)
return {'hold', redis.call('HGET', g, 'gen'), at}`;

/**
 * Closes a group: quiet for long enough (ARGV[3]), or settled (ARGV[5]: still resolving since that
 * time, so its recovery held), or at once (neither). A pending one closes without a word (its flush,
 * if due, decides instead for a settled one). A notified one leaves its resolution in the outbox in
 * the same step, so a crash before it is queued loses nothing; none when its last notification
 * already said it was over (a "fired and resolved").
 */
const RESOLVE = `
local g = KEYS[1]
local fp = ARGV[4]
local state = redis.call('HGET', g, 'state')
if state ~= 'pending' and state ~= 'open' then
  redis.call('ZREM', KEYS[2], fp)
  return false
end
if ARGV[2] ~= '' and redis.call('HGET', g, 'gen') ~= ARGV[2] then return false end
local now = tonumber(ARGV[1])
local lastSeen = tonumber(redis.call('HGET', g, 'lastSeen'))
local event = redis.call('HGET', g, 'event')
if ARGV[5] ~= '' then
  if redis.call('HGET', g, 'resolving') ~= ARGV[5] then return false end
  if state == 'pending' then return false end
end
if ARGV[3] ~= '' then
  local quiet = redis.call('HGET', g, 'quiet')
  -- Groups from before the field was kept: the face tells whether the health worker is the source.
  if not quiet then quiet = string.find(event, '"source":"health_probe"', 1, true) and '0' or '1' end
  if quiet == '0' then
    redis.call('ZREM', KEYS[2], fp)
    return false
  end
  if now - lastSeen < tonumber(ARGV[3]) then return {'later', lastSeen} end
end
redis.call('HSET', g, 'state', 'resolved', 'resolvedAt', now)
redis.call('ZREM', KEYS[2], fp)
redis.call('ZREM', KEYS[5], fp)
local gen = redis.call('HGET', g, 'gen')
if state == 'pending' or redis.call('HGET', g, 'told') == 'resolved' then return {'silent', gen, event} end
local told = redis.call('HGET', g, 'toldPeople')
local id = 'resolved-' .. fp .. '-' .. gen
local recovered = {}
for _, k in ipairs(redis.call('HKEYS', g)) do
  if string.sub(k, 1, 2) == 'r:' then recovered[#recovered + 1] = string.sub(k, 3) end
end
table.sort(recovered)
local entry = cjson.encode({kind = 'resolution', fingerprint = fp, gen = tonumber(gen),
  recovered = table.concat(recovered, '\\n'),
  count = tonumber(redis.call('HGET', g, 'count')), firstSeen = tonumber(redis.call('HGET', g, 'firstSeen')),
  lastSeen = lastSeen, at = now, heldUnderIncident = tonumber(redis.call('HGET', g, 'held') or '0'),
  flaps = tonumber(redis.call('HGET', g, 'flaps') or '0'),
  recoveries = tonumber(redis.call('HGET', g, 'recoveries') or '0'),
  toldPeople = told or '', event = event})
redis.call('HSET', KEYS[3], id, entry)
redis.call('ZADD', KEYS[4], now, id)
return {'resolved', id, entry}`;

type Raw = (...args: (string | number)[]) => Promise<unknown>;

/** A key's incident (billing, authentication, an outage) that will reach people: it inhibits from its first event. */
const incidentFromFirstEvent = (event: AlertEvent) =>
  event.source !== 'test' && event.severity === 'CRITICAL' && isProviderWide(event);

/** When the event happened at its source (a clock far ahead is not believed past now). */
const occurredAt = (event: AlertEvent, now: number) => Math.min(Date.parse(event.occurredAt) || now, now);

const SEVERITY_RANK: Record<AlertEvent['severity'], number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/**
 * A job refused by an open breaker only echoes the failure that opened it: any event of the failure
 * itself becomes the group's face over it, so routing reads the failure, not the echo.
 */
const rankOf = (event: AlertEvent) => (event.reason === 'circuit_open' ? 0 : SEVERITY_RANK[event.severity]);

/** `resolved`: the group closed; `entry` holds its resolution when people or Sentry had heard of it. */
export type ResolveOutcome =
  | { kind: 'none' }
  | { kind: 'later'; lastSeen: number }
  | { kind: 'resolved'; entry: { id: string; raw: string } }
  /** Closed with nothing to announce; its incident mark, if it held one, must still go. */
  | { kind: 'silent'; gen: number; event: AlertEvent };

export function groupStore(redis: Redis, keys: RedisKeys, ttlMs: number) {
  redis.defineCommand('faultlineGroupRecord', { numberOfKeys: 5, lua: RECORD });
  redis.defineCommand('faultlineGroupResolve', { numberOfKeys: 5, lua: RESOLVE });
  redis.defineCommand('faultlineGroupRecover', { numberOfKeys: 1, lua: RECOVER });
  const r = redis as unknown as Record<
    'faultlineGroupRecord' | 'faultlineGroupResolve' | 'faultlineGroupRecover',
    Raw
  >;
  const outbox = outboxKeys(keys);

  return {
    /** `waitMs`: when the group's first notification is due if it is new (ALERT_GROUP_WAIT; 0 for a test). */
    async record(fp: string, event: AlertEvent, now: number, repeatIntervalMs: number, waitMs: number) {
      const [outcome, gen, lastNotifiedAt, told, rearm] = (await r.faultlineGroupRecord.call(
        redis,
        keys.alertGroup(fp),
        keys.alertGroupIndex(),
        keys.openAlertGroups(),
        keys.inhibit(event.provider),
        keys.alertGroupsDue(),
        now,
        fp,
        JSON.stringify(event),
        repeatIntervalMs,
        ttlMs,
        rankOf(event),
        resolvesWhenQuiet(event) ? 1 : 0,
        groupMember(event),
        occurredAt(event, now),
        incidentFromFirstEvent(event) ? 1 : 0,
        event.model ?? '',
        isProviderLevel(event) ? 1 : 0,
        waitMs,
      )) as [string, number, number, number?, string?];
      return {
        outcome: outcome as 'new' | 'repeat' | 'counted' | 'stale',
        gen,
        lastNotifiedAt,
        /** An open group people have not heard of (routing kept it to Sentry so far). */
        untold: told === 0,
        /** For a replayed event: the flush its group still owes (its first, or a repeat), if any. */
        owed: rearm === 'first' || rearm === 'repeat' ? rearm : null,
      };
    },

    /**
     * A recovery event: its member leaves the group. `hold` when it was the last one: the group is
     * resolving since `since`, and closes at `since` + ALERT_RESOLVE_HOLD unless it fires again.
     */
    async recover(
      fp: string,
      event: AlertEvent,
      now: number,
    ): Promise<{ kind: 'hold'; gen: number; since: number } | { kind: 'none' }> {
      const res = (await r.faultlineGroupRecover.call(
        redis,
        keys.alertGroup(fp),
        groupMember(event),
        occurredAt(event, now),
        ttlMs,
      )) as string[] | null;
      if (res?.[0] !== 'hold') return { kind: 'none' };
      return { kind: 'hold', gen: Number(res[1]), since: Number(res[2]) };
    },

    /**
     * `quietMs` set: resolve only when no event came for that long; `gen` set: only that generation;
     * `resolvingSince` set: only if it is still resolving since then (nothing fired again).
     */
    async resolve(
      fp: string,
      now: number,
      opts: { gen?: number; quietMs?: number; resolvingSince?: number } = {},
    ): Promise<ResolveOutcome> {
      const res = (await r.faultlineGroupResolve.call(
        redis,
        keys.alertGroup(fp),
        keys.openAlertGroups(),
        outbox.entries,
        outbox.times,
        keys.alertGroupsDue(),
        now,
        opts.gen ?? '',
        opts.quietMs ?? '',
        fp,
        opts.resolvingSince ?? '',
      )) as string[] | null;
      if (!res) return { kind: 'none' };
      if (res[0] === 'later') return { kind: 'later', lastSeen: Number(res[1]) };
      if (res[0] === 'silent')
        return { kind: 'silent', gen: Number(res[1]), event: JSON.parse(String(res[2])) };
      return { kind: 'resolved', entry: { id: String(res[1]), raw: String(res[2]) } };
    },

    /**
     * Groups whose flush was due before `before` and has not taken them (its job was never added, or
     * was lost), with what the flush needs: the generation and the flush it owes.
     */
    async overdue(
      before: number,
      limit: number,
    ): Promise<{ fp: string; gen: number; lastNotifiedAt: number | null }[]> {
      const fps = await redis.zrangebyscore(keys.alertGroupsDue(), 0, before, 'LIMIT', 0, limit);
      const found: { fp: string; gen: number; lastNotifiedAt: number | null }[] = [];
      for (const fp of fps) {
        const [state, gen, repeatPending, last] = await redis.hmget(
          keys.alertGroup(fp),
          'state',
          'gen',
          'repeatPending',
          'lastNotifiedAt',
        );
        if (state === 'pending') found.push({ fp, gen: Number(gen), lastNotifiedAt: null });
        else if (state === 'open' && repeatPending === '1')
          found.push({ fp, gen: Number(gen), lastNotifiedAt: Number(last) });
        else await redis.zrem(keys.alertGroupsDue(), fp);
      }
      return found;
    },

    /** Open groups that resolve when quiet and whose last event is older than `before`, oldest first. */
    quietSince: (before: number, limit: number) =>
      redis.zrangebyscore(keys.openAlertGroups(), 0, before, 'LIMIT', 0, limit),

    list: (limit = 50) => listAlertGroups(redis, keys, limit),
  };
}
export type GroupStore = ReturnType<typeof groupStore>;
