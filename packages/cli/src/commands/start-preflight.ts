import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { OpsConfig } from '@faultline/ops/config';
import { loadProviderSpecs } from '@faultline/providers';
import {
  assertEvictionPolicy,
  assertRedisReachable,
  BaseConfig,
  displayRedisUrl,
  LOCAL_REDIS_PORT,
  loadConfig,
  shutdownDeadlineMs,
} from '@faultline/runtime';

/** What the supervisor needs from the settings, once they are known to be good. */
export interface StartFacts {
  /** REDIS_URL, its password hidden; absent when `faultline start` runs its own Redis. */
  redisUrl?: string;
  localRedisPort: number;
  opsUrl?: string;
  ports: { port: number; host: string; setting: string }[];
  deadlineMs: number;
}

/**
 * Every check `faultline start` makes before anything starts: each service's settings (one clear
 * message naming the variable, exit 3, not four services failing one after another), the models file
 * against the providers file, and a given REDIS_URL (reachable, not evicting). It runs in a process
 * of its own (`start --preflight`): the schemas, BullMQ and ioredis it loads then leave with it, and
 * the supervisor stays small while the system runs.
 */
export async function startPreflight(env: NodeJS.ProcessEnv): Promise<StartFacts> {
  const base = loadConfig(BaseConfig, env);
  for (const schema of [GenerationConfig, AlerterConfig, HealthProbeConfig, OpsConfig])
    loadConfig(schema, env);
  loadProviderSpecs(env);
  const probe = loadConfig(HealthProbeConfig, env);
  readModelsFile(probe.FAULTLINE_MODELS_FILE, env);
  const alerter = loadConfig(AlerterConfig, env);
  const ops = loadConfig(OpsConfig, env);
  let redisUrl: string | undefined;
  if (env.REDIS_URL) {
    await assertRedisReachable(base.REDIS_URL);
    // An evicting Redis is refused here, once, rather than by each service after the others started.
    const warning = await assertEvictionPolicy(base.REDIS_URL);
    if (warning) process.stderr.write(`[faultline]     ${warning}\n`);
    redisUrl = displayRedisUrl(base.REDIS_URL);
  }
  return {
    ...(redisUrl ? { redisUrl } : {}),
    localRedisPort: Number(env.FAULTLINE_REDIS_PORT || LOCAL_REDIS_PORT),
    ...(ops.OPS_PORT
      ? {
          opsUrl: `http://${ops.OPS_HOST.includes(':') ? `[${ops.OPS_HOST}]` : ops.OPS_HOST}:${ops.OPS_PORT}`,
        }
      : {}),
    ports: [
      { port: ops.OPS_PORT, host: ops.OPS_HOST, setting: 'OPS_PORT' },
      { port: probe.HEALTH_PORT, host: probe.HEALTH_HOST, setting: 'HEALTH_PORT' },
      {
        port: alerter.ALERTER_HEALTH_PORT,
        host: alerter.ALERTER_HEALTH_HOST,
        setting: 'ALERTER_HEALTH_PORT',
      },
    ],
    deadlineMs: shutdownDeadlineMs(env),
  };
}
