/**
 * Delay before retry number `attemptsMade` (1 after the first failure): exponential from `baseMs`,
 * capped, with "full jitter" so a crowd of failed jobs does not return in lock-step, and never sooner
 * than the provider's own retry-after.
 */
export function retryDelayFor(
  attemptsMade: number,
  retryAfterMs: number | null,
  opts: { baseMs: number; maxMs: number; random?: () => number },
): number {
  const random = opts.random ?? Math.random;
  const exponential = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  // Half fixed, half random: keeps a floor so retries are not immediate, spreads the rest.
  const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
  if (retryAfterMs === null || retryAfterMs <= 0) return jittered;
  // The provider said when; a little jitter on top still spreads the crowd.
  return Math.round(retryAfterMs + random() * Math.min(1000, retryAfterMs * 0.1));
}
