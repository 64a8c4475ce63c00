import { parseArgs } from 'node:util';
import { type ModelSpec, modelKey } from '@faultline/core';
import { breakerConfig, HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import {
  assertRedisReachable,
  createRedis,
  displayRedisUrl,
  healthSummary,
  loadConfig,
  modelHealthStore,
  modelStates,
  onRedisError,
  redisKeys,
} from '@faultline/runtime';
import { EXIT } from '../exit-codes.ts';
import { problemsOf, renderReport } from '../health-report.ts';
import { probeSchedules } from '../probe-schedules.ts';

export const usage = `faultline health [--json]
      the models of FAULTLINE_MODELS_FILE (unset: every model with health or a probe scheduler in Redis)
      with status, breaker, success rate, latency, when a probe last ran and the last error, as a table
      (--json: the same as GET /api/monitoring/health?detail=true, plus healthy and problems);
      exit 0 only when there are models and every one is healthy and probed within two of its
      intervals (unknown interval: the probe worker's scheduler, else 60s); 1 otherwise;
      3 a bad setting or models file; 4 Redis unreachable or answering with an error`;

/** An error of Redis itself (an error reply, a lost or timed-out connection), not of our code. */
function isRedisError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError' || error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /Connection is closed|Command timed out|Stream isn't writeable/.test(error.message);
}

function redisErrorMessage(url: string, message: string): string {
  const hint = /DB index/i.test(message)
    ? `REDIS_URL names a database (the number after the last /) this server does not have: ` +
      'use the one the services use (none, or /0, unless you set another)'
    : 'check REDIS_URL (host, port, password, database) and that it is the Redis the services use';
  return (
    `faultline health: Redis at ${displayRedisUrl(url)} answered with an error: ${message}. ` +
    `The models' health cannot be read, so this is not "healthy": ${hint}.\n`
  );
}

export async function healthCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const cfg = loadConfig(HealthProbeConfig);
  const fromFile = readModelsFile(cfg.FAULTLINE_MODELS_FILE);
  await assertRedisReachable(cfg.REDIS_URL);
  // ioredis reports some errors only as events and goes on (a SELECT of a database the server does
  // not have leaves it on database 0): collect them instead of printing "reconnecting".
  const eventErrors: string[] = [];
  onRedisError((_url, error) => eventErrors.push(error.message));
  // A cron job must end: no endless reconnects or waits, a failure is an answer (exit 4).
  const redis = createRedis(cfg.REDIS_URL, {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
    commandTimeout: 15_000,
  });
  try {
    let summary: Awaited<ReturnType<typeof healthSummary>>;
    try {
      // The database REDIS_URL names, selected where an error answer fails instead of being an event.
      await redis.select(redis.options.db ?? 0);
      let models: ModelSpec[] = fromFile;
      let intervals = new Map<string, number>();
      if (!cfg.FAULTLINE_MODELS_FILE) {
        // Without a models file: the models the probes and the traffic have health for (as the ops
        // service does), and those the health-probe worker schedules probes for; their intervals
        // from its schedulers.
        const schedules = await probeSchedules(redis, cfg.QUEUE_PREFIX);
        intervals = new Map([...schedules].map(([key, s]) => [key, s.every]));
        models = (await modelStates(redis, cfg.QUEUE_PREFIX)).map((s) => s.spec);
        const seen = new Set(models.map((m) => modelKey(m.provider, m.id)));
        for (const [key, s] of [...schedules].sort(([a], [b]) => a.localeCompare(b)))
          if (!seen.has(key))
            models.push({
              id: s.model,
              provider: s.provider,
              gateway: null,
              priority: 'normal',
              interval: 0,
              probe: 'completion',
            });
      }
      summary = await healthSummary(
        models,
        modelHealthStore(redis, redisKeys(cfg.QUEUE_PREFIX)),
        breakerConfig(cfg),
        { probeTimeoutMs: cfg.PROBE_TIMEOUT, intervals },
      );
    } catch (error) {
      if (!isRedisError(error)) throw error;
      process.stderr.write(redisErrorMessage(cfg.REDIS_URL, error.message));
      return EXIT.redisUnreachable;
    }
    if (eventErrors.length) {
      process.stderr.write(redisErrorMessage(cfg.REDIS_URL, eventErrors[0]!));
      return EXIT.redisUnreachable;
    }
    const problems = problemsOf(summary);
    if (values.json) {
      const probes = { fresh: 0, stale: 0, not_probed: 0 };
      for (const d of summary.details) probes[d.probe.state]++;
      const { status, models, providers, details } = summary;
      process.stdout.write(
        `${JSON.stringify({ healthy: !problems.length, problems, status, models, probes, providers, details }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(renderReport(summary, problems, Date.now()));
    }
    // Stricter than the overall status, which reads healthy with a few models down: scripts asking
    // "is everything fine?" get no for no models, any model not healthy, or probes that stopped.
    return problems.length ? EXIT.someFailed : EXIT.ok;
  } finally {
    redis.disconnect();
  }
}
