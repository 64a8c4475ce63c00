import { type AlertEvent, INITIAL_HEALTH, type ModelHealth } from '@faultline/core';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';

/**
 * Sets the value only if it is still what we read: compare-and-set on the shared connection. The
 * events the change makes (a health transition) go into the health outbox in the same step, so a
 * worker that dies, or an alerts queue that refuses the write, before they are published loses none.
 * KEYS: the model's health, the outbox (id → event JSON), its times (id → when written).
 * ARGV: the value read, the new value, now, then id and JSON of each event.
 */
const CAS = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[i])
end
return 1`;

/**
 * Model health in Redis, one JSON value per model. Updates are compare-and-set: two replicas, or a
 * probe and a provider-wide marking, never lose each other's change. The pure `nextBreaker`
 * decides; this only makes the change atomic.
 */
export function modelHealthStore(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('faultlineHealthCas', { numberOfKeys: 3, lua: CAS });
  const cas = (redis as unknown as { faultlineHealthCas: (...args: (string | number)[]) => Promise<number> })
    .faultlineHealthCas;
  const outbox = keys.healthOutbox();
  const outboxTimes = keys.healthOutboxTimes();
  const parse = (raw: string | null): ModelHealth =>
    raw ? { ...INITIAL_HEALTH, ...JSON.parse(raw) } : INITIAL_HEALTH;
  return {
    /** These outbox events are on the alerts queue now. */
    async published(ids: string[]): Promise<void> {
      if (ids.length)
        await redis
          .multi()
          .hdel(outbox, ...ids)
          .zrem(outboxTimes, ...ids)
          .exec();
    },
    /** Outbox events written before `before` and not yet published (their publisher died or failed). */
    async unpublished(before: number, limit = 200): Promise<AlertEvent[]> {
      const ids = await redis.zrangebyscore(outboxTimes, 0, before, 'LIMIT', 0, limit);
      if (!ids.length) return [];
      const raws = await redis.hmget(outbox, ...ids);
      const gone = ids.filter((_, i) => !raws[i]);
      if (gone.length) await redis.zrem(outboxTimes, ...gone);
      return raws.filter((r): r is string => Boolean(r)).map((r) => JSON.parse(r) as AlertEvent);
    },
    read: async (key: string) => parse(await redis.get(keys.modelHealth(key))),
    async readMany(modelKeys: string[]): Promise<Map<string, ModelHealth>> {
      if (!modelKeys.length) return new Map();
      const raws = await redis.mget(modelKeys.map((k) => keys.modelHealth(k)));
      return new Map(modelKeys.map((k, i) => [k, parse(raws[i] ?? null)]));
    },
    /**
     * Applies `change` atomically, trying again if another writer got there first. The events it
     * returns are written to the health outbox in the same step: publish them, then call `published`.
     */
    async update<T>(
      key: string,
      change: (current: ModelHealth) => { state: ModelHealth; result: T; events?: AlertEvent[] },
    ): Promise<T> {
      const redisKey = keys.modelHealth(key);
      for (let attempt = 0; attempt < 50; attempt++) {
        const raw = await redis.get(redisKey);
        const { state, result, events = [] } = change(parse(raw));
        const entries = events.flatMap((e) => [e.id, JSON.stringify(e)]);
        const args = [
          redisKey,
          outbox,
          outboxTimes,
          raw ?? '',
          JSON.stringify(state),
          Date.now(),
          ...entries,
        ];
        if (await cas.call(redis, ...args)) return result;
      }
      throw new Error(`model health of ${key} kept changing under us: 50 attempts`);
    },
  };
}
export type ModelHealthStore = ReturnType<typeof modelHealthStore>;
