import { type AlertEvent, INITIAL_HEALTH, type ModelHealth } from '@faultline/core';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';
import { luaScript } from './lua-script.ts';

/** Compare-and-set of a model's health, its events written to the health outbox in the same step. */
const CAS = luaScript<
  'health' | 'outbox' | 'outboxTimes' | 'index',
  'expected' | 'next' | 'now' | 'ttlMs' | 'model',
  number
>(
  new URL('./scripts/health-cas.lua', import.meta.url),
  ['health', 'outbox', 'outboxTimes', 'index'],
  ['expected', 'next', 'now', 'ttlMs', 'model'],
);

/** MODEL_HEALTH_TTL's default: a week after its last job, a model only traffic knows is forgotten. */
export const DEFAULT_MODEL_HEALTH_TTL_MS = 7 * 86_400_000;

export interface ModelHealthStoreOptions {
  /**
   * Set for the writes of traffic (the generation worker): the health of a model no probe watches
   * expires this long after its last job, so jobs naming 10,000 models (a producer's bug, a hostile
   * tenant) leave no key for good (review G2). Unset for the probes': their models stay.
   */
  ttlMs?: number;
}

/**
 * Model health in Redis, one JSON value per model. Updates are compare-and-set: two replicas, or a
 * probe and a provider-wide marking, never lose each other's change. The pure `nextBreaker`
 * decides; this only makes the change atomic. Every write lists the model in its writer's index
 * (`modelStates` reads them).
 */
export function modelHealthStore(redis: Redis, keys: RedisKeys, opts: ModelHealthStoreOptions = {}) {
  const outbox = keys.healthOutbox();
  const outboxTimes = keys.healthOutboxTimes();
  const ttlMs = opts.ttlMs ?? 0;
  const index = keys.modelHealthIndex(ttlMs > 0 ? 'traffic' : 'probes');
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
        const written = await CAS.run(
          redis,
          { health: redisKey, outbox, outboxTimes, index },
          { expected: raw ?? '', next: JSON.stringify(state), now: Date.now(), ttlMs, model: key },
          entries,
        );
        if (written) return result;
      }
      throw new Error(`model health of ${key} kept changing under us: 50 attempts`);
    },
  };
}
export type ModelHealthStore = ReturnType<typeof modelHealthStore>;
