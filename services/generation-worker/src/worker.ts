import { hostname } from 'node:os';
import { retryDelayFor } from '@faultline/core';
import { createProviderRegistry } from '@faultline/providers';
import {
  alertPublisher,
  createRedis,
  type Logger,
  metricsCounters,
  modelHealthStore,
  QUEUES,
  redisKeys,
} from '@faultline/runtime';
import { Queue, Worker } from 'bullmq';
import { breakerGate } from './breaker-gate.ts';
import type { GenerationConfig } from './config.ts';
import { generationProcessor, RetryableGenerationError } from './processor.ts';
import { providerPause } from './provider-pause.ts';
import { runMetrics } from './run-metrics.ts';

/** The backoff type producers set (`backoff: { type: 'faultline' }`) to get classification-aware retries. */
export const BACKOFF_TYPE = 'faultline';

/** Builds the worker and its adapters; `close()` releases everything it opened. */
export function startGenerationWorker(
  cfg: GenerationConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  opts: { autorun?: boolean } = {},
) {
  const redis = createRedis(cfg.REDIS_URL);
  const keys = redisKeys(cfg.QUEUE_PREFIX);
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  const breakers = breakerGate(modelHealthStore(redis, keys));
  const processor = generationProcessor({
    breakers,
    counters: metricsCounters(redis, cfg.QUEUE_PREFIX),
    providers: createProviderRegistry(env, { timeoutMs: cfg.GENERATION_TIMEOUT }),
    alerts: alertPublisher(alerts),
    metrics: runMetrics(redis, keys),
    pauses: providerPause(redis, keys),
    logger,
    rateLimitPauseMs: cfg.RATE_LIMIT_PAUSE,
  });
  // BullMQ leaves a connection it was handed open on close(), so we keep it to close it ourselves.
  const workerRedis = createRedis(cfg.REDIS_URL);
  const worker = new Worker(QUEUES.generation, processor, {
    connection: workerRedis,
    prefix: cfg.QUEUE_PREFIX,
    // Stored on every job it processes, so an operator can tell which process ran it.
    name: `generation@${hostname()}:${process.pid}`,
    concurrency: cfg.GENERATION_CONCURRENCY,
    autorun: opts.autorun ?? true,
    lockDuration: cfg.GENERATION_LOCK_DURATION,
    stalledInterval: Math.max(1000, Math.round(cfg.GENERATION_LOCK_DURATION / 2)),
    // Completed jobs carry the result for awaiting producers; an hour is plenty and bounds memory.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
    settings: {
      backoffStrategy: (attemptsMade, _type, err) =>
        retryDelayFor(attemptsMade, err instanceof RetryableGenerationError ? err.retryAfterMs : null, {
          baseMs: cfg.GENERATION_BACKOFF_BASE,
          maxMs: cfg.GENERATION_BACKOFF_MAX,
        }),
    },
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  return {
    worker,
    /** Stops taking jobs, lets in-flight ones finish within `graceMs`, then closes connections. */
    async close(graceMs = cfg.SHUTDOWN_GRACE): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const graceful = worker.close();
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), graceMs);
      });
      if ((await Promise.race([graceful, expired])) === 'expired') {
        logger.warn({ graceMs }, 'grace period over: in-flight jobs will be retried by another worker');
        await worker.close(true);
      }
      clearTimeout(timer);
      await breakers.close();
      await alerts.close();
      redis.disconnect();
      workerRedis.disconnect();
    },
  };
}
