import { parseArgs } from 'node:util';
import { breakerConfig, HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';

import {
  assertRedisReachable,
  createRedis,
  healthSummary,
  loadConfig,
  modelHealthStore,
  modelStates,
  redisKeys,
} from '@faultline/runtime';

export const usage = `faultline health [--json]
      the models of FAULTLINE_MODELS_FILE (unset: every model with health in Redis) with status, breaker, success rate and latency, as a table
      (the same as GET /api/monitoring/health?detail=true); exit 0 when every model is healthy, else 1`;

export async function healthCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const cfg = loadConfig(HealthProbeConfig);
  const fromFile = readModelsFile(cfg.FAULTLINE_MODELS_FILE);
  await assertRedisReachable(cfg.REDIS_URL);
  const redis = createRedis(cfg.REDIS_URL);
  try {
    // Without a models file: the models the probes and the traffic have health for (as the ops service does).
    const models = cfg.FAULTLINE_MODELS_FILE
      ? fromFile
      : (await modelStates(redis, cfg.QUEUE_PREFIX)).map((s) => s.spec);
    const summary = await healthSummary(
      models,
      modelHealthStore(redis, redisKeys(cfg.QUEUE_PREFIX)),
      breakerConfig(cfg),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const m = summary.models;
      process.stdout.write(
        `status: ${summary.status} (${m.total} models: ${m.healthy} healthy, ${m.degraded} degraded, ${m.unhealthy} unhealthy)\n\n`,
      );
      if (!models.length)
        process.stdout.write(
          'no models: set FAULTLINE_MODELS_FILE to a YAML or JSON list of models (none has been probed or called yet)\n',
        );
      else {
        const head = [
          'PROVIDER',
          'MODEL',
          'STATUS',
          'BREAKER',
          'SUCCESS',
          'P50 MS',
          'ERRORS',
          'LAST FAILURE',
        ];
        const rows = summary.details.map((d) => [
          d.provider,
          d.model_id,
          d.probed ? d.status : 'not probed yet',
          d.circuit_breaker_state,
          `${Math.round(d.success_rate * 100)}%`,
          String(d.response_time_ms.p50 ?? '-'),
          String(d.error_count),
          d.last_failure ?? '-',
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows])
          process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
      }
    }
    // Stricter than the overall status, which reads healthy with a few models down: scripts asking
    // "is everything fine?" get no for any model not healthy.
    return summary.models.healthy === summary.models.total ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}
