import { hostname } from 'node:os';
import { modelKey } from '@faultline/core';
import { createProviderRegistry } from '@faultline/providers';
import {
  alertPublisher,
  createRedis,
  healthSummary,
  type Logger,
  logErrors,
  metricsCounters,
  modelHealthStore,
  QUEUES,
  redisKeys,
} from '@faultline/runtime';
import { Queue, Worker } from 'bullmq';
import { aggregateStore } from './aggregate-store.ts';
import { breakerConfig, type HealthProbeConfig } from './config.ts';
import { startHealthApi } from './health-api.ts';
import { readModelsFile } from './models.ts';
import { probeProcessor } from './processor.ts';
import { schedulerReconciler, syncSchedulers } from './schedulers.ts';

/** Reads the models file, syncs one scheduler per model, runs the probe worker and the health API. */
export async function startHealthProbe(cfg: HealthProbeConfig, env: NodeJS.ProcessEnv, logger: Logger) {
  // Refuses an entry whose provider is not configured (exit 3), before any connection is made.
  const models = readModelsFile(cfg.FAULTLINE_MODELS_FILE, env);
  if (!models.length)
    logger.warn('no models to probe: set FAULTLINE_MODELS_FILE to a YAML or JSON list of models');
  const redis = createRedis(cfg.REDIS_URL);
  const workerRedis = createRedis(cfg.REDIS_URL);
  const keys = redisKeys(cfg.QUEUE_PREFIX);
  const probes = new Queue(QUEUES.healthProbes, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  const store = modelHealthStore(redis, keys);
  const breaker = breakerConfig(cfg);
  // Only a replica that read a models file knows which schedulers should exist: one started without
  // it must not remove the fleet's schedulers (it only probes nothing).
  const removeOthers = Boolean(cfg.FAULTLINE_MODELS_FILE);
  const synced = await syncSchedulers(probes, models, { removeOthers });
  const reconciler = schedulerReconciler(probes, models, removeOthers, logger);
  const reconcileTimer = setInterval(() => reconciler.run('interval'), cfg.SCHEDULER_RECONCILE_INTERVAL);
  // A reconnect may be to a Redis that lost its data (a restart without persistence, a failover).
  const onReady = () => reconciler.run('redis reconnected');
  redis.on('ready', onReady);
  const worker = new Worker(
    QUEUES.healthProbes,
    probeProcessor({
      models: new Map(models.map((m) => [modelKey(m.provider, m.id), m])),
      providers: createProviderRegistry(env, {
        timeoutMs: cfg.PROBE_TIMEOUT,
        maxResponseBytes: cfg.PROVIDER_RESPONSE_MAX_BYTES,
      }),
      store,
      flags: aggregateStore(redis, keys),
      alerts: alertPublisher(alerts),
      counters: metricsCounters(redis, cfg.QUEUE_PREFIX),
      breaker,
      logger,
      probeTimeoutMs: cfg.PROBE_TIMEOUT,
      stormWindowMs: cfg.HEALTH_STORM_WINDOW,
      breakerStormWindowMs: cfg.BREAKER_STORM_WINDOW,
      modelsFailingThreshold: cfg.MODELS_FAILING_THRESHOLD,
      breakersOpenThreshold: cfg.BREAKERS_OPEN_THRESHOLD,
    }),
    {
      connection: workerRedis,
      prefix: cfg.QUEUE_PREFIX,
      concurrency: cfg.PROBE_CONCURRENCY,
      name: `health-probe@${hostname()}:${process.pid}`,
      removeOnComplete: { age: 86_400, count: 1000 },
      removeOnFail: { age: 7 * 86_400, count: 1000 },
    },
  );
  logErrors(worker, logger, 'probe worker error');
  for (const q of [probes, alerts]) logErrors(q, logger, 'queue error', { queue: q.name });
  const api = await startHealthApi({
    host: cfg.HEALTH_HOST,
    port: cfg.HEALTH_PORT,
    redis,
    probes,
    expectedSchedulers: models.length,
    summary: () => healthSummary(models, store, breaker, { probeTimeoutMs: cfg.PROBE_TIMEOUT }),
  });
  return {
    worker,
    models,
    synced,
    apiUrl: api.url,
    store,
    async close(): Promise<void> {
      clearInterval(reconcileTimer);
      redis.off('ready', onReady);
      await reconciler.idle();
      await worker.close();
      await new Promise((r) => api.server.close(r));
      await Promise.all([probes.close(), alerts.close()]);
      redis.disconnect();
      workerRedis.disconnect();
    },
  };
}
