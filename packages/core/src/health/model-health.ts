import type { Category } from '../taxonomy.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What the last failure was, from its ClassifiedError: enough to say what to fix without the logs. */
export interface LastError {
  category: Category;
  reason: string | null;
  statusCode: number | null;
  message: string | null;
}

export interface ModelHealth {
  breaker: BreakerState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  openedAt: number | null;
  /** When the model last went from healthy to failing; recovery reports the time since. */
  downSince: number | null;
  /** Recent outcomes, newest last: `1`/`0` and latency, kept small for Redis. */
  window: { ok: 0 | 1; ms: number }[];
  errorCount: number;
  lastFailure: number | null;
  lastSuccess: number | null;
  /** What the current incident is (its first failure's category), so its recovery resolves its alert group. */
  failureCategory: Category | null;
  lastError: LastError | null;
  /** When a health probe last ran for it (traffic does not count): `faultline health` finds probes that stopped. */
  lastProbeAt: number | null;
}
