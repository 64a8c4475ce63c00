import {
  assertRedisReachable,
  createLogger,
  displayRedisUrl,
  loadConfig,
  runService,
} from '@faultline/runtime';
import { OpsConfig, refusePlaceholders } from './config.ts';
import { startOpsServer } from './ops-server.ts';

await runService('ops', async () => {
  const cfg = loadConfig(OpsConfig);
  // Before Redis is tried: a shipped placeholder exits 3 naming the setting, whatever Redis does.
  refusePlaceholders(cfg);
  const logger = createLogger('ops', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  const ops = await startOpsServer(cfg, logger);
  logger.info(
    { redis: displayRedisUrl(cfg.REDIS_URL), url: ops.url, dashboard: `${ops.url}/dashboard` },
    'ops ready',
  );
  return { logger, close: () => ops.close() };
});
