import { type Category, latencyBucket, RUN_FIELDS, type Severity } from '@faultline/core';
import type { RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

/**
 * Adds one attempt's outcome to its run summary at most once: the marker field (job id and attempt)
 * is set with HSETNX in the same script, so a replayed attempt counts nothing twice, and several
 * worker processes add to one hash.
 */
const RECORD = `
if redis.call('HSETNX', KEYS[2], ARGV[1], 1) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], tonumber(ARGV[i + 1])) end
redis.call('PEXPIRE', KEYS[1], 604800000)
redis.call('PEXPIRE', KEYS[2], 604800000)
return 1`;

export type AttemptOutcome =
  | { kind: 'succeeded'; latencyMs: number }
  | { kind: 'failed'; category: Category; severity: Severity; final: boolean };

export function runMetrics(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('faultlineRecordAttempt', { numberOfKeys: 2, lua: RECORD });
  const record = (
    redis as unknown as { faultlineRecordAttempt: (...args: (string | number)[]) => Promise<number> }
  ).faultlineRecordAttempt;
  return {
    record(runId: string, attemptId: string, outcome: AttemptOutcome): Promise<number> {
      const fields: (string | number)[] =
        outcome.kind === 'succeeded'
          ? [RUN_FIELDS.succeeded, 1, RUN_FIELDS.latency(latencyBucket(outcome.latencyMs)), 1]
          : [
              RUN_FIELDS.category(outcome.category),
              1,
              RUN_FIELDS.severity(outcome.severity),
              1,
              ...(outcome.final ? [RUN_FIELDS.failed, 1] : []),
            ];
      return record.call(redis, keys.runSummary(runId), keys.runAttempts(runId), attemptId, ...fields);
    },
  };
}
export type RunMetrics = ReturnType<typeof runMetrics>;
