import type { RedisKeys } from '@faultline/client';
import type { Redis } from 'ioredis';

/** Open and recent alert groups, newest activity first (read-only; the alerter owns their changes). */
export async function listAlertGroups(
  redis: Redis,
  keys: RedisKeys,
  limit = 50,
): Promise<Record<string, string>[]> {
  const fps = await redis.zrevrange(keys.alertGroupIndex(), 0, limit - 1);
  const rows = await Promise.all(
    fps.map((fp) =>
      redis.hgetall(keys.alertGroup(fp)).then((h): Record<string, string> => ({ fingerprint: fp, ...h })),
    ),
  );
  return rows.filter((row) => row.state);
}
