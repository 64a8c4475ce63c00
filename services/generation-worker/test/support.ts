import { type Logger, loadConfig } from '@faultline/runtime';
import { type RepoProcess, runRepoProcess, startRepoService } from '@faultline/testkit';
import { pino } from 'pino';
import { GenerationConfig } from '../src/config.ts';

export const silentLogger: Logger = pino({ level: 'silent' });

/** Settings a test worker runs with: fast retries, fast stall detection, the simulator as provider. */
export function testEnv(
  redisUrl: string,
  sim: { openaiBaseURL: string; anthropicBaseURL: string },
  prefix: string,
) {
  return {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    OPENAI_API_KEY: 'sk-test-0000000000000000000000000000',
    OPENAI_BASE_URL: sim.openaiBaseURL,
    ANTHROPIC_API_KEY: 'sk-ant-test-00000000000000000000000000',
    ANTHROPIC_BASE_URL: sim.anthropicBaseURL,
    GENERATION_BACKOFF_BASE: '20ms',
    GENERATION_BACKOFF_MAX: '200ms',
    RATE_LIMIT_PAUSE: '50ms',
    GENERATION_TIMEOUT: '2s',
    GENERATION_LOCK_DURATION: '2s',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  } satisfies Record<string, string>;
}

export function testConfig(env: Record<string, string>) {
  return loadConfig(GenerationConfig, env);
}

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type RunningProcess = RepoProcess;

/** Runs a command of this repo as its own process, as a user or a container would. */
export const runProcess = runRepoProcess;

export function startWorkerProcess(env: Record<string, string>): Promise<RepoProcess> {
  return startRepoService('services/generation-worker/src/main.ts', env, 'generation worker ready');
}
