import { readFileSync } from 'node:fs';
import { DEFAULT_GROUP_BY, GROUP_KEYS, type GroupKey, SEVERITIES } from '@faultline/core';
import { BaseConfig, envBool, envDuration, envInt, envUrl } from '@faultline/runtime';
import { z } from 'zod';

// Local names such as oncall@localhost are valid mail addresses, which z.email() refuses.
const email = (message: string) => z.string().regex(/^[^@\s,]+@[^@\s,]+$/, message);

/** A comma-separated setting: items trimmed, empty ones dropped (`a@x, b@x,` is two). */
const commaList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const emailList = z
  .string()
  .transform(commaList)
  .pipe(z.array(email('expected comma-separated e-mail addresses')).min(1, 'name at least one address'));

const urlList = z
  .string()
  .transform(commaList)
  .pipe(z.array(z.url({ error: 'expected comma-separated http(s) URLs' })));

const groupBy = z
  .string()
  .transform(commaList)
  .pipe(
    z
      .array(z.enum(GROUP_KEYS, { error: `expected a comma-separated list of ${GROUP_KEYS.join(', ')}` }))
      .min(1),
  );

const severity = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }));

/** Why a CA file cannot be used, found at start rather than at the first mail. */
function pemProblem(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    return `expected a PEM file with a -----BEGIN CERTIFICATE----- block: ${path}`;
  return undefined;
}

export const AlerterConfig = BaseConfig.extend({
  ALERTER_CONCURRENCY: envInt(1, 1000).default(50),
  ALERT_GROUP_BY: groupBy.default([...DEFAULT_GROUP_BY] as GroupKey[]),
  ALERT_GROUP_WAIT: envDuration.default(10_000),
  ALERT_REPEAT_INTERVAL: envDuration.default(3_600_000),
  ALERT_RESOLVE_AFTER: envDuration.default(1_800_000),
  ALERT_RESOLVE_HOLD: envDuration.default(120_000),
  ALERT_MAX_PER_HOUR: envInt(1).default(60),
  RATE_LIMIT_ALERT_THRESHOLD: envInt(1).default(20),
  RATE_LIMIT_ALERT_WINDOW: envDuration.default(300_000),
  BURST_ALERT_THRESHOLD: envInt(1).default(10),
  /**
   * Deprecated: deliveries retry by age (DELIVERY_MAX_AGE). When set, still an upper bound on the
   * attempts of a delivery (whichever ends first); unset by default.
   */
  DELIVERY_ATTEMPTS: envInt(1).optional(),
  DELIVERY_CONCURRENCY: envInt(1, 1000).default(50),
  /** First retry delay of a delivery; doubles per attempt up to DELIVERY_BACKOFF_MAX, with jitter. */
  DELIVERY_BACKOFF: envDuration.default(2_000),
  DELIVERY_BACKOFF_MAX: envDuration.default(300_000),
  /** How long after it was queued a delivery keeps being retried before it stays in the failed set. */
  DELIVERY_MAX_AGE: envDuration.default(86_400_000),
  /** The longest wait a Retry-After (webhook, Slack) or a Sentry rate limit may impose before the next attempt. */
  DELIVERY_RETRY_AFTER_MAX: envDuration.default(600_000),
  /** A delivery target failing (no success) for this long raises one meta-alert on the other channels. */
  DELIVERY_FAILING_ALERT_AFTER: envDuration.default(600_000),
  ALERT_SUBJECT_PREFIX: z.string().default('🚨 Faultline Alert'),
  ALERT_NOTIFY_MIN_SEVERITY: severity.default('CRITICAL'),
  SENTRY_MIN_SEVERITY: severity.default('LOW'),

  ENABLE_EMAIL_ALERTS: envBool.default(true),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: envInt(1, 65535).default(587),
  SMTP_MAX_CONNECTIONS: envInt(1, 500).default(16),
  SMTP_SECURE: envBool.default(false),
  /** STARTTLS or no mail, even when the server does not offer it (always so with SMTP_USERNAME). */
  SMTP_REQUIRE_TLS: envBool.default(false),
  /** A PEM file of the CA that signed the SMTP server's certificate, trusted instead of the public ones. */
  SMTP_TLS_CA: z.string().optional(),
  /** The server's certificate is not checked: for a lab only, and start-up warns. */
  SMTP_TLS_INSECURE: envBool.default(false),
  SMTP_USERNAME: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  ALERT_FROM_EMAIL: email('expected an e-mail address').default('faultline@localhost'),
  ALERT_TO_EMAILS: emailList.default(['oncall@localhost']),
  MAILBOX_DIR: z.string().default('./logs/mail'),

  ENABLE_FILE_ALERTS: envBool.default(true),
  ALERT_FILE_PATH: z.string().default('./logs/alerts.log'),
  ALERT_FILE_MAX_BYTES: envInt(1024).default(10 * 1024 * 1024),
  ALERT_FILE_KEEP: envInt(1, 100).default(5),

  SENTRY_ENABLED: envBool.default(false),
  SENTRY_DSN: z.url({ error: 'expected a Sentry DSN such as https://key@o0.ingest.sentry.io/1' }).optional(),
  SENTRY_ENVIRONMENT: z.string().default('production'),
  SENTRY_TRACES_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),

  WEBHOOK_URLS: urlList.default([]),
  WEBHOOK_SECRET: z.string().optional(),
  SLACK_WEBHOOK_URL: z.url({ error: 'expected the Slack incoming-webhook URL' }).optional(),
  /** How long one delivery may take before it counts as failed and is retried. */
  DELIVERY_TIMEOUT: envDuration.default(10_000),

  /** GET /health: Redis answers and the alerter's workers run; 0 = any free port (logged). */
  ALERTER_HEALTH_HOST: z.string().default('127.0.0.1'),
  ALERTER_HEALTH_PORT: envInt(0, 65535).default(9466),
  /** A dead man's switch (healthchecks.io, Dead Man's Snitch, a PagerDuty heartbeat): pinged while alerting works. */
  WATCHDOG_URL: envUrl(['http', 'https']).optional(),
  WATCHDOG_INTERVAL: envDuration
    .pipe(z.number().min(1000, { error: 'expected a duration of at least 1s' }))
    .default(60_000),
  WATCHDOG_METHOD: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['POST', 'GET', 'HEAD'], { error: 'expected POST, GET or HEAD' }))
    .default('POST'),
  /** The heartbeat is withheld while the oldest waiting alert event is older than this (the pipeline is stuck). */
  WATCHDOG_MAX_QUEUE_AGE: envDuration.default(300_000),
}).superRefine((cfg, ctx) => {
  if (cfg.SENTRY_ENABLED && !cfg.SENTRY_DSN) {
    ctx.addIssue({ code: 'custom', path: ['SENTRY_DSN'], message: 'required when SENTRY_ENABLED=true' });
  }
  if (cfg.SMTP_USERNAME && !cfg.SMTP_PASSWORD) {
    ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'required when SMTP_USERNAME is set' });
  }
  if (cfg.SMTP_TLS_CA) {
    const problem = pemProblem(cfg.SMTP_TLS_CA);
    if (problem) ctx.addIssue({ code: 'custom', path: ['SMTP_TLS_CA'], message: problem });
    if (cfg.SMTP_TLS_INSECURE)
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_TLS_INSECURE'],
        message: 'set SMTP_TLS_CA (check against that CA) or SMTP_TLS_INSECURE=true (no check), not both',
      });
  }
});
export type AlerterConfig = z.output<typeof AlerterConfig>;
