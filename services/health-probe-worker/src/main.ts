import {
  assertRedisReachable,
  createLogger,
  describeEgress,
  displayRedisUrl,
  egressFromEnv,
  loadConfig,
  runService,
} from '@faultline/runtime';
import { HealthProbeConfig } from './config.ts';
import { startHealthProbe } from './health-probe.ts';

await runService('health-probe-worker', async () => {
  const cfg = loadConfig(HealthProbeConfig);
  const logger = createLogger('health-probe-worker', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  const running = await startHealthProbe(cfg, process.env, logger);
  await running.worker.waitUntilReady();
  logger.info(
    {
      redis: displayRedisUrl(cfg.REDIS_URL),
      models: running.models.length,
      schedulersRemoved: running.synced.removed,
      api: running.apiUrl,
      egress: describeEgress(egressFromEnv()),
      pid: process.pid,
    },
    'health-probe worker ready',
  );
  return { logger, close: () => running.close() };
});
