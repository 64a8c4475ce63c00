import { CONTRACT_LIMITS, DEFAULT_BREAKER_WINDOW } from '@faultline/core';
import { DEFAULT_RESPONSE_MAX_BYTES } from '@faultline/providers';
import {
  ALERT_EVENTS_KEPT_DEFAULT,
  BaseConfig,
  ClassifierConfig,
  DEFAULT_MODEL_HEALTH_TTL_MS,
  envDuration,
  envInt,
} from '@faultline/runtime';

/** The generation worker's settings (provider keys and URLs are read by @faultline/providers). */
export const GenerationConfig = BaseConfig.extend({
  ...ClassifierConfig.shape,
  GENERATION_CONCURRENCY: envInt(1, 1000).default(50),
  /**
   * Per provider call; the SDK aborts and the attempt is classified as a network timeout. Within
   * SHUTDOWN_GRACE, so a stopping worker lets a call end instead of cutting it off (a stall, L9).
   */
  GENERATION_TIMEOUT: envDuration.default(25_000),
  GENERATION_BACKOFF_BASE: envDuration.default(1_000),
  GENERATION_BACKOFF_MAX: envDuration.default(300_000),
  /** How long a provider is left alone after a rate limit that named no retry-after. */
  RATE_LIMIT_PAUSE: envDuration.default(5_000),
  /**
   * The longest wait a provider's retry-after may set, for a job's retry and for a provider's pause:
   * one 429 asking for a day (a daily limit, a buggy gateway) would otherwise stop every model of it.
   */
  RETRY_AFTER_MAX: envDuration.default(600_000),
  /** A job whose message contents are larger fails as invalid_request (the client refuses it first). */
  PROMPT_MAX_BYTES: envInt(1, 256 * 1_048_576).default(CONTRACT_LIMITS.promptBytes),
  /** A provider answer larger than this is cut off and fails as a server error, never held whole. */
  PROVIDER_RESPONSE_MAX_BYTES: envInt(1024, 1024 * 1_048_576).default(DEFAULT_RESPONSE_MAX_BYTES),
  /**
   * How long health written by traffic alone lives after a model's last job; a model the probes watch
   * is kept by them. Jobs naming 10,000 models nobody probes leave no key for good.
   */
  MODEL_HEALTH_TTL: envDuration.default(DEFAULT_MODEL_HEALTH_TTL_MS),
  /**
   * Completed alert events kept (a day at most), so that a replayed attempt's event is refused by its
   * id: the largest set an outage fills, about 2 KB each in Redis (bench/soak.ts).
   */
  ALERT_EVENTS_KEPT: envInt(1_000, 10_000_000).default(ALERT_EVENTS_KEPT_DEFAULT),
  /** A job whose worker died is taken up again after about this long (BullMQ lock and stall check). */
  GENERATION_LOCK_DURATION: envDuration.default(30_000),
  /** At least GENERATION_TIMEOUT; the default is runService's (`shutdownDeadlineMs`). */
  SHUTDOWN_GRACE: envDuration.default(30_000),
  /** V8's young-generation semi-space, MiB; 0 keeps V8's default (16). */
  GENERATION_SEMI_SPACE_MB: envInt(0, 1024).default(64),
  /** Outcomes kept per model; real traffic joins the health-probe worker's window of the same size. */
  BREAKER_WINDOW: envInt(2, 1000).default(DEFAULT_BREAKER_WINDOW),
}).superRefine((cfg, ctx) => {
  // A call still running when the grace ends is cut off: its job stalls, the call is made again
  // by another worker (paid twice), and a second cut-off fails the job as stalled.
  if (cfg.GENERATION_TIMEOUT > cfg.SHUTDOWN_GRACE)
    ctx.addIssue({
      code: 'custom',
      path: ['GENERATION_TIMEOUT'],
      message:
        `${cfg.GENERATION_TIMEOUT} ms is longer than SHUTDOWN_GRACE (${cfg.SHUTDOWN_GRACE} ms): a stopping ` +
        'worker would cut calls off; make GENERATION_TIMEOUT at most SHUTDOWN_GRACE, or SHUTDOWN_GRACE longer',
    });
});
export type GenerationConfig = ReturnType<typeof GenerationConfig.parse>;
