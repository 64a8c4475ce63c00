import {
  assertRedisReachable,
  createLogger,
  displayRedisUrl,
  loadConfig,
  runService,
} from '@faultline/runtime';
import { startAlerter } from './alerter.ts';
import { AlerterConfig } from './config.ts';

await runService('alerter-worker', async () => {
  const cfg = loadConfig(AlerterConfig);
  const logger = createLogger('alerter-worker', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  const alerter = startAlerter(cfg, logger);
  await Promise.all(alerter.workers.map((w) => w.waitUntilReady()));
  if (!cfg.SMTP_HOST && cfg.ENABLE_EMAIL_ALERTS)
    logger.info({ dir: cfg.MAILBOX_DIR }, 'no SMTP_HOST: e-mails go to the local mailbox');
  if (!cfg.SENTRY_ENABLED)
    logger.info('Sentry is off (set SENTRY_ENABLED=true and SENTRY_DSN to forward events)');
  logger.info(
    { redis: displayRedisUrl(cfg.REDIS_URL), channels: alerter.channels, pid: process.pid },
    'alerter worker ready',
  );
  return { logger, close: () => alerter.close() };
});
