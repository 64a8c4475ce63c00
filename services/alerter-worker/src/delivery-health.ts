import type { AlertEvent, Channel, Notification } from '@faultline/core';
import { luaScript, redisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import { jobIds } from './jobs.ts';

const FAILED = luaScript<'state', 'now' | 'lastError' | 'alertAfterMs' | 'ttlMs', [string, string] | null>(
  new URL('./scripts/delivery-failed.lua', import.meta.url),
  ['state'],
  ['now', 'lastError', 'alertAfterMs', 'ttlMs'],
);
const SUCCEEDED = luaScript<'state', never, [string, string] | null>(
  new URL('./scripts/delivery-succeeded.lua', import.meta.url),
  ['state'],
  [],
);

/** A target's state lives this long after its last failure, so a target since removed leaves nothing for good. */
const STATE_TTL_MS = 7 * 86_400_000;

/**
 * Whether a delivery target has been failing, in one hash per target: since when (the first failure
 * after its last success), its last error, how many attempts failed, and whether the meta-alert
 * went out. Every decision is one script, so with K alerter replicas the "failing" meta-alert and
 * its recovery are each decided once.
 */
export function deliveryHealth(redis: Redis, prefix: string, failingAlertAfterMs: number) {
  const key = redisKeys(prefix).deliveryFailing;
  return {
    /** Notes a failed attempt; answers `since` when this one is the failure that should raise the meta-alert. */
    async failed(
      target: string,
      error: string,
      now: number,
    ): Promise<{ since: number; failures: number } | null> {
      const res = await FAILED.run(
        redis,
        { state: key(target) },
        { now, lastError: error.slice(0, 1000), alertAfterMs: failingAlertAfterMs, ttlMs: STATE_TTL_MS },
      );
      return res ? { since: Number(res[0]), failures: Number(res[1]) } : null;
    },
    /** The meta-alert was queued: a later failure does not queue it again. */
    async alertQueued(target: string): Promise<void> {
      await redis.hset(key(target), 'queued', '1');
    },
    /** Notes a success; answers when the failing period ended by it had been alerted (so recovery is told). */
    async succeeded(target: string): Promise<{ since: number; failures: number } | null> {
      const res = await SUCCEEDED.run(redis, { state: key(target) }, {});
      return res ? { since: Number(res[0]), failures: Number(res[1]) } : null;
    },
  };
}
export type DeliveryHealth = ReturnType<typeof deliveryHealth>;

/** How a person names a delivery target. */
export function targetLabel(target: string, channel: Channel): string {
  switch (channel) {
    case 'email':
      return 'e-mail';
    case 'file':
      return 'alert file';
    case 'sentry':
      return 'Sentry';
    case 'slack':
      return 'Slack';
    default:
      return target.startsWith('webhook') ? target : `${channel} ${target}`;
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const ACTIONS: Record<Channel, string[]> = {
  email: [
    'Check the SMTP server (SMTP_HOST, SMTP_PORT, credentials) and the alerter log for its answers',
    'Alerts are retried until DELIVERY_MAX_AGE after they were queued; `faultline alerts retry-failed` sends again those that gave up',
  ],
  file: [
    'Check ALERT_FILE_PATH: disk space, permissions, the volume',
    'Alerts are retried until DELIVERY_MAX_AGE after they were queued; `faultline alerts retry-failed` sends again those that gave up',
  ],
  sentry: [
    'Check SENTRY_DSN, the project quota and rate limits in Sentry',
    'Events are retried until DELIVERY_MAX_AGE after they were queued; `faultline alerts retry-failed` sends again those that gave up',
  ],
  webhook: [
    'Check the receiver of this webhook URL (WEBHOOK_URLS) and the alerter log for its answers',
    'Posts are retried until DELIVERY_MAX_AGE after they were queued; `faultline alerts retry-failed` sends again those that gave up',
  ],
  slack: [
    'Check SLACK_WEBHOOK_URL (a revoked or rotated incoming webhook answers 403 or 404)',
    'Messages are retried until DELIVERY_MAX_AGE after they were queued; `faultline alerts retry-failed` sends again those that gave up',
  ],
};

function metaEvent(
  id: string,
  provider: string,
  message: string,
  now: number,
  channel: Channel,
  lastError = '',
): AlertEvent {
  // An answer from the receiver (an HTTP status, an SMTP code) or no answer at all.
  const answered = /HTTP [1-5]\d\d|answered [1-5]\d\d/.test(lastError);
  return {
    id,
    occurredAt: new Date(now).toISOString(),
    source: 'health_probe',
    operation: 'alert_delivery',
    state: 'firing',
    category: answered ? 'server_error' : 'network_error',
    severity: 'HIGH',
    isRetryable: true,
    provider,
    model: null,
    gateway: null,
    statusCode: null,
    providerCode: null,
    reason: 'delivery_failing',
    retryAfterMs: null,
    requestId: null,
    originalError: message,
    message,
    recommendedActions: ACTIONS[channel] ?? [],
  };
}

/**
 * The meta-alert for a delivery target failing since `since`, for the other targets:
 * "e-mail delivery failing since <time>: <last error>". Its id is the failing period's, so a
 * retried dispatch adds nothing twice.
 */
export function deliveryFailingNotification(a: {
  target: string;
  channel: Channel;
  since: number;
  lastError: string;
  failures: number;
  now: number;
}): Notification {
  const id = jobIds.deliveryFailing(a.target, a.since);
  const label = targetLabel(a.target, a.channel);
  const message = `${label} delivery failing since ${iso(a.since)}: ${a.lastError}`;
  return {
    id,
    kind: 'firing',
    fingerprint: `delivery-${a.target}`,
    event: metaEvent(id, `${label} delivery`, message, a.now, a.channel, a.lastError),
    occurrences: a.failures,
    suppressed: 0,
    totalEvents: a.failures,
    firstSeen: new Date(a.since).toISOString(),
    lastSeen: new Date(a.now).toISOString(),
    notify: true,
  };
}

/** Its recovery, once a delivery on the target succeeded again: "e-mail delivery recovered after N min". */
export function deliveryRecoveredNotification(a: {
  target: string;
  channel: Channel;
  since: number;
  failures: number;
  now: number;
}): Notification {
  const id = jobIds.deliveryRecovered(a.target, a.since);
  const label = targetLabel(a.target, a.channel);
  const seconds = Math.max(0, Math.round((a.now - a.since) / 1000));
  const took = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  const message = `${label} delivery recovered after ${took} (failing since ${iso(a.since)}, ${a.failures} failed attempts)`;
  return {
    id,
    kind: 'resolved',
    fingerprint: `delivery-${a.target}`,
    event: { ...metaEvent(id, `${label} delivery`, message, a.now, a.channel), state: 'resolved' },
    occurrences: a.failures,
    suppressed: 0,
    totalEvents: a.failures,
    firstSeen: new Date(a.since).toISOString(),
    lastSeen: new Date(a.now).toISOString(),
    durationMs: a.now - a.since,
    notify: true,
  };
}
