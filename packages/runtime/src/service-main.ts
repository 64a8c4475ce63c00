import { onRedisError, RedisUnreachableError } from '@faultline/client';
import { BaseConfig, ConfigError, envDuration, loadConfig } from './config.ts';
import { loadDotEnv } from './dotenv.ts';
import type { Logger } from './logger.ts';
import { assertEvictionPolicy } from './redis-policy.ts';

/** What a service hands back once running: how to stop it. */
export interface RunningService {
  logger: Logger;
  close(): Promise<void>;
}

/** What SIGTERM gives in-flight work when SHUTDOWN_GRACE is unset (the generation worker's default). */
const DEFAULT_GRACE_MS = 30_000;
/** Time after the grace to close connections and flush logs. */
const CLOSE_MARGIN_MS = 5_000;
/** However long the grace, a close that hangs is cut off at last: a process must not outlive its stop. */
const MAX_DEADLINE_MS = 3_600_000;

/**
 * How long a stopping process may take before it exits 1: the grace it promises (SHUTDOWN_GRACE,
 * read here because close() honours it inside the service) plus a margin, within a bound.
 */
export function shutdownDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_GRACE;
  const parsed = raw ? envDuration.safeParse(raw) : null;
  const grace = parsed?.success ? parsed.data : DEFAULT_GRACE_MS;
  return Math.min(grace + CLOSE_MARGIN_MS, MAX_DEADLINE_MS);
}

/**
 * Refuses (RedisPolicyError, exit 3) a Redis that may evict keys, before the service starts anything.
 * Returns a warning when the policy cannot be read. A REDIS_URL that does not parse, or a Redis that
 * does not answer, is left to the service's own start-up, which reports it (exit 3 or 4) after its
 * other settings.
 */
export async function checkRedisBeforeStart(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  let url: string;
  try {
    url = loadConfig(BaseConfig, env).REDIS_URL;
  } catch {
    return null;
  }
  try {
    return await assertEvictionPolicy(url, 2000);
  } catch (error) {
    if (error instanceof RedisUnreachableError) return null;
    throw error;
  }
}

/**
 * The shared life of a service process: settings from env and .env, a clear message and exit code
 * when start-up cannot go on (3: a setting or a Redis that may evict keys, 4: Redis unreachable),
 * and SIGTERM/SIGINT/SIGHUP → close → exit 0.
 */
export async function runService(name: string, start: () => Promise<RunningService>): Promise<void> {
  loadDotEnv();
  // Taken from the first moment: a signal while the service starts (its ready line is printed inside
  // start()) would otherwise kill it by default, closing nothing. Acted on once it has started.
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  let signalled: NodeJS.Signals | undefined;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (onSignal) onSignal(signal);
      else signalled ??= signal;
    });
  let running: RunningService;
  let policyWarning: string | null;
  try {
    policyWarning = await checkRedisBeforeStart();
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RedisUnreachableError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(error instanceof ConfigError ? 3 : 4);
    }
    throw error;
  }
  if (policyWarning) running.logger.warn(policyWarning);
  onRedisError((url, error) =>
    running.logger.warn({ redis: url, err: error.message }, 'Redis connection lost; reconnecting'),
  );
  let stopping = false;
  let orphaned = false;
  // With the supervisor gone, stdout is a broken pipe, and pino's flush on 'exit' retries a failed
  // write forever (sonic-boom's flushSync retries every error, EPIPE too): the process would hang
  // in process.exit. Once its work is closed, an orphan ends itself without the exit handlers.
  const exit = (code: number) => (orphaned ? process.kill(process.pid, 'SIGKILL') : process.exit(code));
  const stop = (why: string, deadlineMs: number) => {
    if (stopping) return;
    stopping = true;
    // A close that hangs (a peer gone mid-shutdown) must not keep the process alive forever; set
    // first, because with the supervisor gone even a log line can fail (its pipe is closed).
    setTimeout(() => exit(1), deadlineMs).unref();
    try {
      running.logger.info({ why }, 'stopping');
    } catch {}
    running.close().then(
      () => {
        running.logger.info('stopped');
        exit(0);
      },
      (error) => {
        running.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const deadlineMs = shutdownDeadlineMs();
  // SIGHUP (the terminal closed) too: by default it kills the process without closing anything.
  onSignal = (signal) => stop(signal, deadlineMs);
  if (signalled) onSignal(signalled);
  // Under `faultline start`, a supervisor killed outright (SIGKILL) must not leave its services running.
  const supervisor = Number(process.env.FAULTLINE_SUPERVISOR_PID);
  if (supervisor) {
    setInterval(() => {
      if (process.ppid === supervisor) return;
      orphaned = true;
      stop('supervisor gone', 5_000);
    }, 1000).unref();
  }
}
