import {
  assertRedisReachable,
  createLogger,
  describeEgress,
  displayRedisUrl,
  egressFromEnv,
  loadConfig,
  runService,
} from '@faultline/runtime';
import type { Worker } from 'bullmq';
import { type RunningAlerter, startAlerter } from './alerter.ts';
import { AlerterConfig } from './config.ts';
import { alerterHealthCheck, startAlerterHealthApi } from './health-api.ts';
import { startupNotices } from './startup-notices.ts';
import { startWatchdog } from './watchdog.ts';

await runService('alerter-worker', async () => {
  const cfg = loadConfig(AlerterConfig);
  const logger = createLogger('alerter-worker', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  let alerter: RunningAlerter | undefined;
  let watchdog: Awaited<ReturnType<typeof startWatchdog>> | undefined;
  const workers = (): Worker[] => [...(alerter?.workers ?? []), ...(watchdog ? [watchdog.worker] : [])];
  const health = alerterHealthCheck({ redisUrl: cfg.REDIS_URL, prefix: cfg.QUEUE_PREFIX, workers });
  // Bound first: a port in use stops start-up (exit 3) before any worker takes a job.
  const api = await startAlerterHealthApi({
    host: cfg.ALERTER_HEALTH_HOST,
    port: cfg.ALERTER_HEALTH_PORT,
    check: health.check,
  }).catch(async (error) => {
    await health.close();
    throw error;
  });
  alerter = startAlerter(cfg, logger);
  if (cfg.WATCHDOG_URL) {
    const maxAge = cfg.WATCHDOG_MAX_QUEUE_AGE;
    watchdog = await startWatchdog({
      url: cfg.WATCHDOG_URL,
      method: cfg.WATCHDOG_METHOD,
      intervalMs: cfg.WATCHDOG_INTERVAL,
      redisUrl: cfg.REDIS_URL,
      prefix: cfg.QUEUE_PREFIX,
      logger,
      async withhold() {
        const h = await health.check();
        if (!h.redis) return 'Redis does not answer';
        if (h.status !== 'ok') return `workers not running: ${h.workers.stopped.join(', ')}`;
        if (h.alerts.paused) return 'the alerts queue is paused';
        if ((h.alerts.oldest_waiting_age_ms ?? 0) > maxAge)
          return `the oldest alert event has waited ${Math.round(h.alerts.oldest_waiting_age_ms! / 1000)} s (WATCHDOG_MAX_QUEUE_AGE)`;
        if (h.quiet_sweep_scheduled === false) return 'the quiet sweep is not scheduled';
        return null;
      },
    });
  }
  await Promise.all(workers().map((w) => w.waitUntilReady()));
  for (const notice of startupNotices(cfg)) logger[notice.level](notice.fields, notice.message);
  logger.info(
    {
      redis: displayRedisUrl(cfg.REDIS_URL),
      channels: alerter.channels,
      health: `${api.url}/health`,
      healthPort: api.port,
      watchdog: watchdog ? { host: watchdog.host, every: cfg.WATCHDOG_INTERVAL } : null,
      egress: describeEgress(egressFromEnv()),
      pid: process.pid,
    },
    'alerter worker ready',
  );
  const running = alerter;
  return {
    logger,
    async close() {
      await watchdog?.close();
      await running.close();
      await api.close();
      await health.close();
    },
  };
});
