import { redisKeys } from '@faultline/client';
import { INITIAL_HEALTH, type ModelHealth, type ModelSpec } from '@faultline/core';
import type { Redis } from 'ioredis';

/**
 * The most models the status page, the health JSON and /metrics list: every probed one first, then
 * those only traffic knows, newest first. A producer naming 10,000 models must not make each page
 * view or scrape read 10,000 keys and each scrape 40,000 series (review G2, G3).
 */
export const MODEL_STATES_LIMIT = 1_000;

/**
 * Every model with health in Redis (probed, or seen in traffic), from the indexes the health writes
 * keep: the ops service and `faultline health` without a models file see what the probes and the
 * traffic saw. Never a SCAN: on the Redis every queue depends on, that walks every job's keys.
 */
export async function modelStates(
  redis: Redis,
  prefix: string,
  limit = MODEL_STATES_LIMIT,
): Promise<{ spec: ModelSpec; health: ModelHealth }[]> {
  const keys = redisKeys(prefix);
  const [probed, traffic] = await Promise.all([
    redis.zrevrange(keys.modelHealthIndex('probes'), 0, limit - 1),
    redis.zrevrange(keys.modelHealthIndex('traffic'), 0, limit - 1),
  ]);
  const listed = [...new Set([...probed, ...traffic])].slice(0, limit);
  if (!listed.length) return [];
  const raws = await redis.mget(listed.map((m) => keys.modelHealth(m)));
  // Health that expired (traffic's) or was deleted leaves its index entry behind until the next
  // traffic write trims it; it is dropped here too, when this reader may write (else it waits).
  const gone = listed.filter((_, i) => !raws[i]);
  if (gone.length)
    await redis
      .multi()
      .zrem(keys.modelHealthIndex('probes'), ...gone)
      .zrem(keys.modelHealthIndex('traffic'), ...gone)
      .exec()
      .catch(() => null);
  const states = listed.flatMap((id, i) => {
    const raw = raws[i];
    const slash = id.indexOf('/');
    if (slash < 0 || !raw) return [];
    return [
      {
        spec: {
          id: id.slice(slash + 1),
          provider: id.slice(0, slash),
          gateway: null,
          priority: 'normal',
          interval: 0,
          probe: 'completion',
        } as ModelSpec,
        health: { ...INITIAL_HEALTH, ...JSON.parse(raw) } as ModelHealth,
      },
    ];
  });
  // In key order, as the SCAN-based listing was: the page and the metrics do not reshuffle per write.
  const order = (s: ModelSpec) => `${s.provider}/${s.id}`;
  return states.sort((a, b) => (order(a.spec) < order(b.spec) ? -1 : 1));
}
