import { DEFAULT_BREAKER_WINDOW, MIN_PROBE_INTERVAL_MS } from '@faultline/core';
import { DEFAULT_RESPONSE_MAX_BYTES } from '@faultline/providers';
import { BaseConfig, envDuration, envInt } from '@faultline/runtime';
import { z } from 'zod';

export const HealthProbeConfig = BaseConfig.extend({
  FAULTLINE_MODELS_FILE: z.string().optional(),
  PROBE_CONCURRENCY: envInt(1, 1000).default(50),
  PROBE_TIMEOUT: envDuration.default(10_000),
  /**
   * The shortest interval the models file may give (1 s): `interval: 30` is 30 ms, 33 paid calls a
   * second per model. Lower only for tests and demos.
   */
  PROBE_INTERVAL_MIN: envDuration.default(MIN_PROBE_INTERVAL_MS),
  /** A provider answer larger than this is cut off and the probe fails as a server error. */
  PROVIDER_RESPONSE_MAX_BYTES: envInt(1024, 1024 * 1_048_576).default(DEFAULT_RESPONSE_MAX_BYTES),
  BREAKER_FAILURE_THRESHOLD: envInt(1).default(3),
  BREAKER_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  BREAKER_MIN_SAMPLES: envInt(1).default(10),
  BREAKER_WINDOW: envInt(2, 1000).default(DEFAULT_BREAKER_WINDOW),
  BREAKER_COOLDOWN: envDuration.default(60_000),
  BREAKER_SUCCESS_THRESHOLD: envInt(1).default(2),
  SLOW_PROBE: envDuration.default(5_000),
  // The recommended rules: more than 10 models failing across all providers within 5 minutes, more
  // than 5 breakers opening within 10 minutes (HIGH).
  HEALTH_STORM_WINDOW: envDuration.default(300_000),
  MODELS_FAILING_THRESHOLD: envInt(1).default(10),
  BREAKER_STORM_WINDOW: envDuration.default(600_000),
  BREAKERS_OPEN_THRESHOLD: envInt(1).default(5),
  /** How often each replica re-creates probe schedulers that are missing (deleted by hand, lost with Redis's data). */
  SCHEDULER_RECONCILE_INTERVAL: envDuration.default(60_000),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  HEALTH_PORT: envInt(0, 65535).default(9465),
});
export type HealthProbeConfig = z.output<typeof HealthProbeConfig>;

export function breakerConfig(cfg: HealthProbeConfig) {
  return {
    failureThreshold: cfg.BREAKER_FAILURE_THRESHOLD,
    failureRateThreshold: cfg.BREAKER_FAILURE_RATE,
    minSamples: cfg.BREAKER_MIN_SAMPLES,
    windowSize: cfg.BREAKER_WINDOW,
    cooldownMs: cfg.BREAKER_COOLDOWN,
    successThreshold: cfg.BREAKER_SUCCESS_THRESHOLD,
    slowMs: cfg.SLOW_PROBE,
  };
}
