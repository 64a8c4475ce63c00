import {
  assertRedisReachable,
  createLogger,
  describeEgress,
  displayRedisUrl,
  egressFromEnv,
  loadClassifierRules,
  loadConfig,
  runService,
} from '@faultline/runtime';
import { GenerationConfig } from './config.ts';
import { startGenerationWorker } from './worker.ts';

await runService('generation-worker', async () => {
  const cfg = loadConfig(GenerationConfig);
  // A bad rules file is a setting like any other: refused (exit 3) before Redis is tried.
  const classifierRules = loadClassifierRules(cfg.FAULTLINE_CLASSIFIER_RULES);
  const logger = createLogger('generation-worker', cfg.LOG_LEVEL);
  await assertRedisReachable(cfg.REDIS_URL);
  const running = startGenerationWorker(cfg, process.env, logger, { classifierRules });
  await running.worker.waitUntilReady();
  logger.info(
    {
      redis: displayRedisUrl(cfg.REDIS_URL),
      concurrency: cfg.GENERATION_CONCURRENCY,
      egress: describeEgress(egressFromEnv()),
      pid: process.pid,
    },
    'generation worker ready',
  );
  return { logger, close: () => running.close() };
});
