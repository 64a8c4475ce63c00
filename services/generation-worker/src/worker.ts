import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { type OperatorRules, retryDelayFor } from '@faultline/core';
import { createProviderRegistry } from '@faultline/providers';
import {
  alertPublisher,
  BACKOFF_TYPE,
  createRedis,
  type Logger,
  loadClassifierRules,
  logErrors,
  metricsCounters,
  modelHealthStore,
  QUEUES,
  redisKeys,
  unknownSignatures,
} from '@faultline/runtime';
import { type MinimalJob, Queue, Worker } from 'bullmq';
import { breakerGate } from './breaker-gate.ts';
import type { GenerationConfig } from './config.ts';
import { generationProcessor, publishedByProcessor, RetryableGenerationError } from './processor.ts';
import { providerPause } from './provider-pause.ts';
import { runMetrics } from './run-metrics.ts';
import { reportUnclassifiedFailure } from './unclassified-failure.ts';

/**
 * The wait before retry number `attemptsMade`: exponential from the job's own `backoff.delay` when
 * the producer set one (GENERATION_BACKOFF_BASE otherwise), capped by GENERATION_BACKOFF_MAX, and
 * never shorter than the provider's retry-after, itself at most RETRY_AFTER_MAX.
 */
export function retryDelayForJob(
  attemptsMade: number,
  error: Error | undefined,
  job: Pick<MinimalJob, 'opts'> | undefined,
  cfg: Pick<GenerationConfig, 'GENERATION_BACKOFF_BASE' | 'GENERATION_BACKOFF_MAX'> &
    Partial<Pick<GenerationConfig, 'RETRY_AFTER_MAX'>>,
): number {
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'object' ? backoff.delay : undefined;
  return retryDelayFor(attemptsMade, error instanceof RetryableGenerationError ? error.retryAfterMs : null, {
    baseMs:
      typeof delay === 'number' && Number.isFinite(delay) && delay >= 0 ? delay : cfg.GENERATION_BACKOFF_BASE,
    maxMs: cfg.GENERATION_BACKOFF_MAX,
    ...(cfg.RETRY_AFTER_MAX === undefined ? {} : { retryAfterMaxMs: cfg.RETRY_AFTER_MAX }),
  });
}

/** Builds the worker and its adapters; `close()` releases everything it opened. */
export function startGenerationWorker(
  cfg: GenerationConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  opts: { autorun?: boolean; classifierRules?: OperatorRules } = {},
) {
  // Read before any connection is opened: a bad rules file stops start-up (ConfigError, exit 3).
  const classifierRules = opts.classifierRules ?? loadClassifierRules(cfg.FAULTLINE_CLASSIFIER_RULES);
  // Every provider call leaves the SDK's short-lived objects behind (Headers, promises, the parsed
  // answer); a young generation of 64 MiB instead of 16 scavenges a fraction as often: worker CPU per
  // job ~165 -> ~132 µs in bench/generation.ts. V8 grows new space up to it from here on.
  if (cfg.GENERATION_SEMI_SPACE_MB > 0)
    setFlagsFromString(`--max-semi-space-size=${cfg.GENERATION_SEMI_SPACE_MB}`);
  const redis = createRedis(cfg.REDIS_URL);
  const keys = redisKeys(cfg.QUEUE_PREFIX);
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  // Traffic alone keeps a model's health for MODEL_HEALTH_TTL after its last job; probes keep theirs.
  const breakers = breakerGate(modelHealthStore(redis, keys, { ttlMs: cfg.MODEL_HEALTH_TTL }), {
    windowSize: cfg.BREAKER_WINDOW,
  });
  const metrics = runMetrics(redis, keys);
  const providers = createProviderRegistry(env, {
    timeoutMs: cfg.GENERATION_TIMEOUT,
    maxResponseBytes: cfg.PROVIDER_RESPONSE_MAX_BYTES,
  });
  const publisher = alertPublisher(alerts, { keptCompleted: cfg.ALERT_EVENTS_KEPT });
  const processor = generationProcessor({
    breakers,
    counters: metricsCounters(redis, cfg.QUEUE_PREFIX),
    providers,
    alerts: publisher,
    metrics,
    pauses: providerPause(redis, keys),
    logger,
    rateLimitPauseMs: cfg.RATE_LIMIT_PAUSE,
    classifierRules,
    unknowns: unknownSignatures(redis, keys),
    retryAfterMaxMs: cfg.RETRY_AFTER_MAX,
    promptMaxBytes: cfg.PROMPT_MAX_BYTES,
  });
  const unknownBackoffTypes = new Set<string>();
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
    // Failed ones are kept a week for a look and a retry from the dashboard, and at most 10,000 of
    // them: each holds its prompt (up to PROMPT_MAX_BYTES), and an outage fails thousands an hour.
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
    settings: {
      // BullMQ hands every type but its own `fixed` and `exponential` here. Another name than
      // BACKOFF_TYPE is most likely a producer's typo: it still gets these retries, and one warning.
      backoffStrategy: (attemptsMade, type, err, job) => {
        if (type !== undefined && type !== BACKOFF_TYPE && !unknownBackoffTypes.has(type)) {
          unknownBackoffTypes.add(type);
          logger.warn(
            { type, expected: BACKOFF_TYPE },
            'unknown backoff type: retried as the Faultline backoff',
          );
        }
        return retryDelayForJob(attemptsMade, err, job, cfg);
      },
    },
  });
  logErrors(worker, logger, 'generation worker error');
  logErrors(alerts, logger, 'alerts queue error');
  const gatewayOf = (provider: string) => {
    try {
      return providers.spec(provider).gateway;
    } catch {
      return null;
    }
  };
  // Awaited by close(), so a report under way is not cut off by the disconnect.
  const counting = new Set<Promise<void>>();
  worker.on('failed', (job, error) => {
    if (!job || publishedByProcessor(error)) return;
    const count = reportUnclassifiedFailure({ alerts: publisher, metrics, gatewayOf }, job, error)
      .catch((err) =>
        logger.error({ err, jobId: job.id }, 'could not publish or count a job that failed unclassified'),
      )
      .finally(() => counting.delete(count));
    counting.add(count);
  });
  return {
    worker,
    /** The job handler itself, for running one attempt by hand (a replay) against the same adapters. */
    processor,
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
      await Promise.all(counting);
      await breakers.close();
      await alerts.close();
      redis.disconnect();
      workerRedis.disconnect();
    },
  };
}
