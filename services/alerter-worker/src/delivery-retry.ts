import { type MinimalJob, UnrecoverableError } from 'bullmq';

/**
 * How a delivery is retried: by age, not by count. A delivery keeps trying until DELIVERY_MAX_AGE
 * after it was queued, so an outage of a channel shorter than that loses nothing and needs nobody to
 * run `faultline alerts retry-failed`. The backoff type `delivery` is the deliveries worker's
 * `settings.backoffStrategy` (deliveryBackoff below).
 */
export const DELIVERY_BACKOFF_TYPE = 'delivery';

/** The attempts a delivery job gets when DELIVERY_ATTEMPTS is unset: age ends it long before this does. */
export const UNBOUNDED_ATTEMPTS = 1_000_000;

export interface DeliveryRetryPolicy {
  /** DELIVERY_BACKOFF: the first delay; it doubles per attempt. */
  firstMs: number;
  /** DELIVERY_BACKOFF_MAX: the longest delay the doubling reaches. */
  maxMs: number;
  /** DELIVERY_MAX_AGE: after this long since it was queued, a delivery gives up. */
  maxAgeMs: number;
  /** DELIVERY_RETRY_AFTER_MAX: the longest wait a Retry-After or a Sentry rate limit may impose. */
  retryAfterMaxMs: number;
  /** DELIVERY_ATTEMPTS (deprecated): an upper bound on attempts when set. */
  attempts?: number;
}

/**
 * A failure the receiver asked to be retried later (HTTP 429/503 with Retry-After, a Sentry rate
 * limit): the next attempt waits that long instead of the backoff.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/**
 * An answer that will not change by asking again (SMTP 5xx, HTTP 4xx other than 408 and 429): the
 * delivery fails at once, and the answer stays in the failed job's reason.
 */
export function permanentFailure(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

/** HTTP statuses a retry can fix; any other 4xx is the receiver refusing this request for good. */
export const retryableStatus = (status: number) =>
  status === 408 || status === 429 || status < 400 || status >= 500;

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw.trim()) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The deliveries worker's custom backoff. Exponential from DELIVERY_BACKOFF, capped at
 * DELIVERY_BACKOFF_MAX, each delay up to 20 % shorter at random so deliveries failed together do
 * not retry together. A receiver's Retry-After replaces it (never shorter than DELIVERY_BACKOFF,
 * at most DELIVERY_RETRY_AFTER_MAX, up to 10 % longer at random). The last attempt is made at
 * DELIVERY_MAX_AGE; after it, -1 tells BullMQ to fail the job.
 */
export function deliveryBackoff(policy: DeliveryRetryPolicy) {
  return (attemptsMade: number, _type?: string, err?: Error, job?: MinimalJob): number => {
    const now = Date.now();
    const left = policy.maxAgeMs - (now - (job?.timestamp ?? now));
    if (left <= 0) return -1;
    let delay: number;
    const retryAfter = (err as Partial<RetryLaterError> | undefined)?.retryAfterMs;
    if (typeof retryAfter === 'number' && retryAfter >= 0) {
      delay = Math.min(
        policy.retryAfterMaxMs,
        Math.max(policy.firstMs, retryAfter) * (1 + 0.1 * Math.random()),
      );
    } else {
      const exponent = Math.min(40, Math.max(0, attemptsMade - 1));
      delay = Math.min(policy.maxMs, policy.firstMs * 2 ** exponent) * (1 - 0.2 * Math.random());
    }
    return Math.max(1, Math.round(Math.min(delay, left)));
  };
}

/** The policy from the alerter's settings. */
export function deliveryRetryPolicy(cfg: {
  DELIVERY_BACKOFF: number;
  DELIVERY_BACKOFF_MAX: number;
  DELIVERY_MAX_AGE: number;
  DELIVERY_RETRY_AFTER_MAX: number;
  DELIVERY_ATTEMPTS?: number | undefined;
}): DeliveryRetryPolicy {
  return {
    firstMs: cfg.DELIVERY_BACKOFF,
    maxMs: cfg.DELIVERY_BACKOFF_MAX,
    maxAgeMs: cfg.DELIVERY_MAX_AGE,
    retryAfterMaxMs: cfg.DELIVERY_RETRY_AFTER_MAX,
    ...(cfg.DELIVERY_ATTEMPTS !== undefined ? { attempts: cfg.DELIVERY_ATTEMPTS } : {}),
  };
}

/** The retry part of a delivery job's options. */
export function deliveryRetryOptions(policy: DeliveryRetryPolicy) {
  return {
    attempts: policy.attempts ?? UNBOUNDED_ATTEMPTS,
    backoff: { type: DELIVERY_BACKOFF_TYPE },
  };
}
