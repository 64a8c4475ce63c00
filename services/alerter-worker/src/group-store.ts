import {
  type AlertEvent,
  groupLifecycle,
  groupMember,
  isProviderLevel,
  resolvesWhenQuiet,
} from '@faultline/core';
import { listAlertGroups, luaScript, type RedisKeys } from '@faultline/runtime';
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
const script = (file: string) => new URL(`./scripts/${file}`, import.meta.url);
const GROUP_KEYS = ['group', 'quietOpen', 'outbox', 'outboxTimes', 'due'] as const;
const RECORD = luaScript<
  'group' | 'index' | 'quietOpen' | 'inhibit' | 'due',
  | 'now'
  | 'fingerprint'
  | 'event'
  | 'repeatMs'
  | 'ttlMs'
  | 'rank'
  | 'quiet'
  | 'member'
  | 'occurredAt'
  | 'incident'
  | 'model'
  | 'providerLevel'
  | 'waitMs',
  [string, number, number, number?, string?, number?]
>(
  script('record.lua'),
  ['group', 'index', 'quietOpen', 'inhibit', 'due'],
  [
    'now',
    'fingerprint',
    'event',
    'repeatMs',
    'ttlMs',
    'rank',
    'quiet',
    'member',
    'occurredAt',
    'incident',
    'model',
    'providerLevel',
    'waitMs',
  ],
);
const RECOVER = luaScript<'group', 'member' | 'at' | 'ttlMs', string[] | null>(
  script('recover.lua'),
  ['group'],
  ['member', 'at', 'ttlMs'],
);
const RESOLVE = luaScript<
  (typeof GROUP_KEYS)[number],
  'now' | 'onlyGen' | 'quietMs' | 'fingerprint' | 'resolvingSince',
  string[] | null
>(script('resolve.lua'), GROUP_KEYS, ['now', 'onlyGen', 'quietMs', 'fingerprint', 'resolvingSince']);

/** `resolved`: the group closed; `entry` holds its resolution when people or Sentry had heard of it. */
export type ResolveOutcome =
  | { kind: 'none' }
  | { kind: 'later'; lastSeen: number }
  | { kind: 'resolved'; entry: { id: string; raw: string } }
  /** Closed with nothing to announce; its incident mark, if it held one, must still go. */
  | { kind: 'silent'; gen: number; event: AlertEvent };

export function groupStore(redis: Redis, keys: RedisKeys, ttlMs: number) {
  const outbox = outboxKeys(keys);

  return {
    /** `waitMs`: when the group's first notification is due if it is new (ALERT_GROUP_WAIT; 0 for a test). */
    async record(fp: string, event: AlertEvent, now: number, repeatIntervalMs: number, waitMs: number) {
      const [outcome, gen, lastNotifiedAt, told, rearm, firstSeen] = await RECORD.run(
        redis,
        {
          group: keys.alertGroup(fp),
          index: keys.alertGroupIndex(),
          quietOpen: keys.openAlertGroups(),
          inhibit: keys.inhibit(event.provider),
          due: keys.alertGroupsDue(),
        },
        {
          now,
          fingerprint: fp,
          event: JSON.stringify(event),
          repeatMs: repeatIntervalMs,
          ttlMs,
          rank: groupLifecycle.groupRank(event),
          quiet: resolvesWhenQuiet(event) ? 1 : 0,
          member: groupMember(event),
          occurredAt: groupLifecycle.occurredAtMs(event, now),
          incident: groupLifecycle.inhibitsFromFirstEvent(event) ? 1 : 0,
          model: event.model ?? '',
          providerLevel: isProviderLevel(event) ? 1 : 0,
          waitMs,
        },
      );
      return {
        outcome: outcome as 'new' | 'repeat' | 'counted' | 'stale',
        gen,
        /** When the group's generation began: with `gen`, it names this incident in job ids. */
        firstSeen: firstSeen ?? 0,
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
      const res = await RECOVER.run(
        redis,
        { group: keys.alertGroup(fp) },
        { member: groupMember(event), at: groupLifecycle.occurredAtMs(event, now), ttlMs },
      );
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
      const res = await RESOLVE.run(
        redis,
        {
          group: keys.alertGroup(fp),
          quietOpen: keys.openAlertGroups(),
          outbox: outbox.entries,
          outboxTimes: outbox.times,
          due: keys.alertGroupsDue(),
        },
        {
          now,
          onlyGen: opts.gen ?? '',
          quietMs: opts.quietMs ?? '',
          fingerprint: fp,
          resolvingSince: opts.resolvingSince ?? '',
        },
      );
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
    ): Promise<{ fp: string; gen: number; firstSeen: number; lastNotifiedAt: number | null }[]> {
      const fps = await redis.zrangebyscore(keys.alertGroupsDue(), 0, before, 'LIMIT', 0, limit);
      const found: { fp: string; gen: number; firstSeen: number; lastNotifiedAt: number | null }[] = [];
      for (const fp of fps) {
        const [state, gen, repeatPending, last, firstSeen] = await redis.hmget(
          keys.alertGroup(fp),
          'state',
          'gen',
          'repeatPending',
          'lastNotifiedAt',
          'firstSeen',
        );
        const group = { fp, gen: Number(gen), firstSeen: Number(firstSeen) };
        if (state === 'pending') found.push({ ...group, lastNotifiedAt: null });
        else if (state === 'open' && repeatPending === '1')
          found.push({ ...group, lastNotifiedAt: Number(last) });
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
