/**
 * A provider's retry-after as a wait we keep: at most `maxMs` (RETRY_AFTER_MAX). A server hint is a
 * hint: a daily limit's "retry after 86400 seconds" or a buggy gateway's year must not hold a job, or
 * pause a provider, for that long (review B3; Envoy's rate-limited retry back-off caps it the same way).
 */
export function cappedRetryAfter(retryAfterMs: number | null, maxMs: number): number | null {
  return retryAfterMs === null ? null : Math.min(retryAfterMs, maxMs);
}

/**
 * Delay before retry number `attemptsMade` (1 after the first failure): exponential from `baseMs`,
 * capped, with "full jitter" so a crowd of failed jobs does not return in lock-step, and never sooner
 * than the provider's own retry-after, itself cut to `retryAfterMaxMs` when given.
 */
export function retryDelayFor(
  attemptsMade: number,
  hinted: number | null,
  opts: { baseMs: number; maxMs: number; retryAfterMaxMs?: number; random?: () => number },
): number {
  const retryAfterMs =
    opts.retryAfterMaxMs === undefined ? hinted : cappedRetryAfter(hinted, opts.retryAfterMaxMs);
  const random = opts.random ?? Math.random;
  const exponential = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  // Half fixed, half random: keeps a floor so retries are not immediate, spreads the rest.
  const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
  if (retryAfterMs === null || retryAfterMs <= 0) return jittered;
  // The provider said when; a little jitter on top still spreads the crowd.
  return Math.round(retryAfterMs + random() * Math.min(1000, retryAfterMs * 0.1));
}
