import { INITIAL_HEALTH, type ModelHealth } from '@faultline/core';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';

/** Sets the value only if it is still what we read: compare-and-set on the shared connection. */
const CAS = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/**
 * Model health in Redis, one JSON value per model. Updates are compare-and-set: two replicas, or a
 * probe and a provider-wide marking, never lose each other's change. The pure `nextBreaker`
 * decides; this only makes the change atomic.
 */
export function modelHealthStore(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('faultlineHealthCas', { numberOfKeys: 1, lua: CAS });
  const cas = (
    redis as unknown as { faultlineHealthCas: (k: string, old: string, next: string) => Promise<number> }
  ).faultlineHealthCas;
  const parse = (raw: string | null): ModelHealth =>
    raw ? { ...INITIAL_HEALTH, ...JSON.parse(raw) } : INITIAL_HEALTH;
  return {
    read: async (key: string) => parse(await redis.get(keys.modelHealth(key))),
    async readMany(modelKeys: string[]): Promise<Map<string, ModelHealth>> {
      if (!modelKeys.length) return new Map();
      const raws = await redis.mget(modelKeys.map((k) => keys.modelHealth(k)));
      return new Map(modelKeys.map((k, i) => [k, parse(raws[i] ?? null)]));
    },
    /** Applies `change` atomically, trying again if another writer got there first. */
    async update<T>(
      key: string,
      change: (current: ModelHealth) => { state: ModelHealth; result: T },
    ): Promise<T> {
      const redisKey = keys.modelHealth(key);
      for (let attempt = 0; attempt < 50; attempt++) {
        const raw = await redis.get(redisKey);
        const { state, result } = change(parse(raw));
        if (await cas.call(redis, redisKey, raw ?? '', JSON.stringify(state))) return result;
      }
      throw new Error(`model health of ${key} kept changing under us: 50 attempts`);
    },
  };
}
export type ModelHealthStore = ReturnType<typeof modelHealthStore>;
