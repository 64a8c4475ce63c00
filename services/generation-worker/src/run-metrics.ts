import { type Category, latencyBucket, RUN_FIELDS, type Severity } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';

const RECORD = luaScript<'summary' | 'attempts', 'attempt', number>(
  new URL('./scripts/record-attempt.lua', import.meta.url),
  ['summary', 'attempts'],
  ['attempt'],
);

export type AttemptOutcome =
  | { kind: 'succeeded'; latencyMs: number }
  | { kind: 'failed'; category: Category; severity: Severity; final: boolean };

/** Run summaries, to which several worker processes add; a replayed attempt counts once. */
export function runMetrics(redis: Redis, keys: RedisKeys) {
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
      return RECORD.run(
        redis,
        { summary: keys.runSummary(runId), attempts: keys.runAttempts(runId) },
        { attempt: attemptId },
        fields,
      );
    },
  };
}
export type RunMetrics = ReturnType<typeof runMetrics>;
