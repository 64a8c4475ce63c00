import { ConfigError } from './config.ts';
import { loadDotEnv } from './dotenv.ts';
import type { Logger } from './logger.ts';
import { RedisUnreachableError } from './redis.ts';

/** What a service hands back once running: how to stop it. */
export interface RunningService {
  logger: Logger;
  close(): Promise<void>;
}

/**
 * The shared life of a service process: settings from env and .env, a clear message and exit code
 * when start-up cannot go on (3: a setting, 4: Redis), and SIGTERM/SIGINT → close → exit 0.
 */
export async function runService(name: string, start: () => Promise<RunningService>): Promise<void> {
  loadDotEnv();
  let running: RunningService;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RedisUnreachableError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(error instanceof ConfigError ? 3 : 4);
    }
    throw error;
  }
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      running.logger.info({ signal }, 'stopping');
      running.close().then(
        () => {
          running.logger.info('stopped');
          process.exit(0);
        },
        (error) => {
          running.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
