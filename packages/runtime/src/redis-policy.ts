import { displayRedisUrl, RedisUnreachableError, redisTlsOptions } from '@faultline/client';
import { Redis } from 'ioredis';
import { ConfigError } from './config.ts';

/** The only eviction policy under which BullMQ queues and the alerter's TTL'd state are never lost. */
export const REQUIRED_EVICTION_POLICY = 'noeviction';

/**
 * Redis evicts keys under this policy: refused at start-up (exit 3), like a bad setting. It is a
 * ConfigError, so every caller that maps ConfigError to exit 3 does so here too.
 */
export class RedisPolicyError extends ConfigError {
  constructor(
    readonly url: string,
    readonly policy: string,
  ) {
    super([{ variable: 'maxmemory-policy', message: policy }]);
    this.message =
      `Redis at ${displayRedisUrl(url)}: maxmemory-policy is ${policy}: Faultline needs ${REQUIRED_EVICTION_POLICY} ` +
      `(queues and alert state must never be evicted); set maxmemory-policy ${REQUIRED_EVICTION_POLICY} in redis.conf ` +
      `(or run CONFIG SET maxmemory-policy ${REQUIRED_EVICTION_POLICY}; on a managed Redis, in its parameter group)`;
  }
}

export type EvictionPolicy =
  | { policy: string; source: 'CONFIG GET' | 'INFO memory' }
  /** Neither CONFIG GET nor INFO memory could be read (ACLs, a proxy): why, for a warning. */
  | { policy: null; reason: string };

/** `maxmemory_policy:allkeys-lru` in the text of INFO memory, or null. */
export function policyFromInfo(info: string): string | null {
  const m = /^maxmemory_policy:(\S+)\s*$/m.exec(info);
  return m ? m[1]! : null;
}

/**
 * Redis's eviction policy: CONFIG GET, or INFO memory where CONFIG is not allowed (ACLs, managed
 * Redis that renames or blocks it). Throws RedisUnreachableError when Redis does not answer at all.
 */
export async function readEvictionPolicy(url: string, timeoutMs = 3000): Promise<EvictionPolicy> {
  const probe = new Redis(url, {
    tls: redisTlsOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    try {
      await probe.connect();
    } catch (error) {
      throw new RedisUnreachableError(url, error);
    }
    const reasons: string[] = [];
    try {
      const reply = (await probe.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
      // [name, value]; some proxies answer an empty list instead of an error.
      const at = reply.indexOf('maxmemory-policy');
      if (at >= 0 && reply[at + 1]) return { policy: reply[at + 1]!, source: 'CONFIG GET' };
      reasons.push('CONFIG GET maxmemory-policy: empty answer');
    } catch (error) {
      reasons.push(`CONFIG GET: ${(error as Error).message}`);
    }
    try {
      const policy = policyFromInfo(await probe.info('memory'));
      if (policy) return { policy, source: 'INFO memory' };
      reasons.push('INFO memory: no maxmemory_policy field');
    } catch (error) {
      reasons.push(`INFO memory: ${(error as Error).message}`);
    }
    return { policy: null, reason: reasons.join('; ') };
  } finally {
    probe.disconnect();
  }
}

/**
 * Refuses a Redis that may evict keys (RedisPolicyError, exit 3). Returns a warning to log when the
 * policy cannot be read, else null. Throws RedisUnreachableError when Redis does not answer.
 */
export async function assertEvictionPolicy(url: string, timeoutMs = 3000): Promise<string | null> {
  const found = await readEvictionPolicy(url, timeoutMs);
  if (found.policy === null)
    return (
      `cannot read Redis's maxmemory-policy (${found.reason}): make sure it is ${REQUIRED_EVICTION_POLICY}, ` +
      'or queued jobs and alert state can be evicted under memory pressure'
    );
  if (found.policy !== REQUIRED_EVICTION_POLICY) throw new RedisPolicyError(url, found.policy);
  return null;
}
