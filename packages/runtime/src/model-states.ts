import { INITIAL_HEALTH, type ModelHealth, type ModelSpec } from '@faultline/core';
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.ts';

/**
 * Every model with health in Redis (probed, or seen in traffic), found by SCAN: the ops service and
 * `faultline health` without a models file see what the probes and the traffic saw.
 */
export async function modelStates(
  redis: Redis,
  prefix: string,
): Promise<{ spec: ModelSpec; health: ModelHealth }[]> {
  const base = redisKeys(prefix).modelHealth('');
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${base.replace(/[*?[\]]/g, '\\$&')}*`,
      'COUNT',
      500,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0' && keys.length < 20_000);
  if (!keys.length) return [];
  keys.sort();
  const raws = await redis.mget(keys);
  return keys.flatMap((key, i) => {
    const raw = raws[i];
    const id = key.slice(base.length);
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
}
