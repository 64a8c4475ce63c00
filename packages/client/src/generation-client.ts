import { randomUUID } from 'node:crypto';
import {
  CONTRACT_LIMITS,
  type GenerationJob,
  type GenerationResult,
  generationJobSchema,
  parseContract,
  RUN_FIELDS,
  type RunSummary,
  summarizeRun,
} from '@faultline/core';
import { type Job, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { z } from 'zod';
import { redisKeys } from './keys.ts';
import { BACKOFF_TYPE, DEFAULT_QUEUE_PREFIX, JOB_NAMES, QUEUES } from './queues.ts';
import { createRedis } from './redis.ts';

export type GenerationJobInput = z.input<typeof GenerationJob>;

/**
 * Room a job needs beside its messages' contents: the other fields (metadata at most 50 × 1 KiB),
 * and JSON's quotes and escapes. BullMQ's `sizeLimit` measures the job's JSON, not its contents.
 */
const JOB_OVERHEAD_BYTES = 256 * 1024;

/**
 * Classification-aware retries: the worker's BACKOFF_TYPE backoff honours retry-after and fails
 * billing, authentication, invalid requests and model errors at once, so 5 attempts cost nothing
 * where a retry cannot help.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: BACKOFF_TYPE, delay: 1000 },
};

/** How often waitForResult also reads the job's state, in case its finish event went by unseen. */
const STATE_POLL_MS = 500;

export interface GenerationClientOptions {
  redisUrl: string;
  prefix?: string;
  /** PROMPT_MAX_BYTES, as the workers have it: a bigger prompt is refused here, before Redis. */
  promptMaxBytes?: number;
}

/** What a producer service needs: enqueue validated jobs, await results, read a run's summary. */
export function createGenerationClient(opts: GenerationClientOptions) {
  const prefix = opts.prefix ?? DEFAULT_QUEUE_PREFIX;
  const redis = createRedis(opts.redisUrl);
  const keys = redisKeys(prefix);
  const queue = new Queue(QUEUES.generation, { connection: redis, prefix });
  let events: { queueEvents: QueueEvents; redis: ReturnType<typeof createRedis> } | undefined;
  const promptMaxBytes = opts.promptMaxBytes ?? CONTRACT_LIMITS.promptBytes;
  const schema = generationJobSchema({ promptMaxBytes });
  // A second guard, in BullMQ itself: a job whose JSON the contract let through but is still huge
  // (escapes: a prompt of quotes doubles in JSON) is refused by Queue.add, not stored.
  const sizeLimit = 2 * promptMaxBytes + JOB_OVERHEAD_BYTES;

  return {
    queue,
    /** Validates first: a bad job is refused here with a ContractError naming each field. */
    async enqueueGeneration(job: GenerationJobInput, options: JobsOptions = {}): Promise<Job> {
      const data = parseContract(schema, 'GenerationJob', job);
      return queue.add(JOB_NAMES.generate, data, { ...DEFAULT_JOB_OPTIONS, sizeLimit, ...options });
    },

    /** Enqueues jobs as one run whose summary every worker adds to; returns the run id. */
    async enqueueRun(
      jobs: GenerationJobInput[],
      options: JobsOptions & { runId?: string } = {},
    ): Promise<string> {
      const { runId = randomUUID(), ...jobOptions } = options;
      const data = jobs.map((j, i) => parseContract(schema, `GenerationJob[${i}]`, { ...j, runId }));
      // The total goes in first so a reader never sees a finished-looking run before its jobs exist.
      await redis.hset(keys.runSummary(runId), RUN_FIELDS.total, data.length);
      for (let i = 0; i < data.length; i += 1000) {
        await queue.addBulk(
          data.slice(i, i + 1000).map((d) => ({
            name: JOB_NAMES.generate,
            data: d,
            opts: { ...DEFAULT_JOB_OPTIONS, sizeLimit, ...jobOptions },
          })),
        );
      }
      return runId;
    },

    /** Resolves with the GenerationResult, or rejects with the job's final failure. */
    async waitForResult(job: Job, timeoutMs = 120_000): Promise<GenerationResult> {
      if (!events) {
        // QueueEvents blocks on its connection, so it gets its own.
        const eventsRedis = createRedis(opts.redisUrl);
        events = {
          queueEvents: new QueueEvents(QUEUES.generation, { connection: eventsRedis, prefix }),
          redis: eventsRedis,
        };
      }
      await events.queueEvents.waitUntilReady();
      // QueueEvents reads its stream from the moment its first read is issued: a job that fails fast
      // (an open breaker, a bad key) can finish just before, and its event is never seen. Its state
      // is checked as well, so such a job settles too instead of waiting out the timeout.
      let settled = false;
      const state = (async (): Promise<GenerationResult> => {
        for (;;) {
          await new Promise((r) => setTimeout(r, STATE_POLL_MS));
          if (settled) return new Promise<never>(() => {});
          const now = await queue.getJob(job.id!);
          if (now?.finishedOn && (await now.isCompleted())) return now.returnvalue as GenerationResult;
          if (now?.finishedOn && (await now.isFailed())) throw new Error(now.failedReason);
        }
      })();
      try {
        return await Promise.race([job.waitUntilFinished(events.queueEvents, timeoutMs), state]);
      } finally {
        settled = true;
      }
    },

    async runSummary(runId: string): Promise<RunSummary> {
      return summarizeRun(runId, await redis.hgetall(keys.runSummary(runId)));
    },

    async close(): Promise<void> {
      await events?.queueEvents.close();
      events?.redis.disconnect();
      await queue.close();
      redis.disconnect();
    },
  };
}
export type GenerationClient = ReturnType<typeof createGenerationClient>;
