import {
  assertRedisReachable,
  createLogger,
  displayRedisUrl,
  loadConfig,
  runService,
} from '@faultline/runtime';
import { startAlerter } from './alerter.ts';
import { AlerterConfig } from './config.ts';
import { startupNotices } from './startup-notices.ts';

await runService('alerter-worker', async () => {
  const cfg = loadConfig(AlerterConfig);
  const logger = createLogger('alerter-worker', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  const alerter = startAlerter(cfg, logger);
  await Promise.all(alerter.workers.map((w) => w.waitUntilReady()));
  for (const notice of startupNotices(cfg)) logger[notice.level](notice.fields, notice.message);
  logger.info(
    { redis: displayRedisUrl(cfg.REDIS_URL), channels: alerter.channels, pid: process.pid },
    'alerter worker ready',
  );
  return { logger, close: () => alerter.close() };
});
