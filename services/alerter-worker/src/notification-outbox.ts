import type { GroupResolution, GroupTake, Notification } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
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

const script = (file: string) => new URL(`./scripts/${file}`, import.meta.url);
const TAKE = luaScript<
  'group' | 'quietOpen' | 'outbox' | 'outboxTimes' | 'due',
  'now' | 'gen' | 'fingerprint' | 'flushId' | 'holdMs',
  [string | null, string | null] | null
>(
  script('take.lua'),
  ['group', 'quietOpen', 'outbox', 'outboxTimes', 'due'],
  ['now', 'gen', 'fingerprint', 'flushId', 'holdMs'],
);
const DECIDE = luaScript<
  'outbox' | 'group' | 'inhibit' | 'heldUnder',
  'id' | 'notification' | 'gen' | 'fingerprint' | 'ttlMs' | 'opensIncident' | 'notify' | 'heldGen',
  string
>(
  script('decide.lua'),
  ['outbox', 'group', 'inhibit', 'heldUnder'],
  ['id', 'notification', 'gen', 'fingerprint', 'ttlMs', 'opensIncident', 'notify', 'heldGen'],
);

export function notificationOutbox(
  redis: Redis,
  keys: RedisKeys,
  ttlMs: number,
  /** ALERT_RESOLVE_HOLD: a take of a group resolving for this long closes it. */
  holdMs = 0,
) {
  const { entries, times } = outboxKeys(keys);

  return {
    /** `flushId` names this flush: its retries (and a replayed inline flush) get the same take back. */
    async take(fp: string, gen: number, flushId: string, now: number): Promise<OutboxEntry | null> {
      const res = await TAKE.run(
        redis,
        {
          group: keys.alertGroup(fp),
          quietOpen: keys.openAlertGroups(),
          outbox: entries,
          outboxTimes: times,
          due: keys.alertGroupsDue(),
        },
        { now, gen, fingerprint: fp, flushId, holdMs },
      );
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
      const kept = await DECIDE.run(
        redis,
        {
          outbox: entries,
          group,
          inhibit: keys.inhibit(effects.provider),
          heldUnder: effects.heldUnder ? keys.alertGroup(effects.heldUnder.fingerprint) : group,
        },
        {
          id: entry.id,
          notification: JSON.stringify(n),
          gen: entry.take.gen,
          fingerprint: entry.take.fingerprint,
          ttlMs,
          opensIncident: effects.opensIncident ? 1 : 0,
          notify: n.notify ? 1 : 0,
          heldGen: effects.heldUnder?.gen ?? '',
        },
      );
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
