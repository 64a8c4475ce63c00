import {
  type Category,
  DEFAULT_BREAKER_WINDOW,
  type ModelHealth,
  modelKey,
  type ProbeOutcome,
  redactSecrets,
  TAXONOMY,
  withTraffic,
} from '@faultline/core';
import type { ModelHealthStore } from '@faultline/runtime';
import { sharedReads } from './shared-reads.ts';

/** How stale a process's view of a breaker may be; reading Redis for every job would cost a round trip each. */
const REFRESH_MS = 1000;

/**
 * Why a model's breaker is open, from its health in Redis: a job it refuses fails with this cause
 * (out of credit, a revoked key, a failing server), not with a cause-less `model_error`.
 */
export interface OpenBreaker {
  /** The current incident's category (its first failure's, as the health probe's own alert has it). */
  category: Category;
  /** The last failure's own code, e.g. `insufficient_quota`, `invalid_api_key`, `overloaded`. */
  providerCode: string | null;
  statusCode: number | null;
  /** What opened it, for the refusal's message: `billing_quota (insufficient_quota): You exceeded …`. */
  cause: string;
}

const isCategory = (c: unknown): c is Category => typeof c === 'string' && Object.hasOwn(TAXONOMY, c);
const text = (v: unknown): string | null => (typeof v === 'string' && v ? redactSecrets(v) : null);

/**
 * The open breaker's cause, or null when jobs may call the model (closed, or half open: the probes'
 * trial decides then). Read from JSON another process wrote, so each field is checked: a value this
 * version does not know falls back rather than failing every job for the model.
 */
export function openBreakerOf(h: ModelHealth): OpenBreaker | null {
  if (h.breaker !== 'open') return null;
  const last = h.lastError;
  const lastCategory = isCategory(last?.category) ? last.category : null;
  const category =
    (isCategory(h.failureCategory) ? h.failureCategory : null) ?? lastCategory ?? 'model_error';
  const providerCode = text(last?.reason);
  const statusCode = Number.isInteger(last?.statusCode) ? (last!.statusCode as number) : null;
  const message = text(last?.message);
  // The last error is named apart when the incident began as something else (503s, then credit ran out).
  const lastName = lastCategory && lastCategory !== category ? `; last error ${lastCategory}` : '';
  const cause = `${category}${lastName}${providerCode ? ` (${providerCode})` : ''}${message ? `: ${message}` : ''}`;
  return { category, providerCode, statusCode, cause };
}

/**
 * The generation worker's side of the health-probe breakers: an open breaker fails a job fast with
 * the cause that opened it, and every call's outcome is added to that model's statistics in batches,
 * once a second.
 */
export function breakerGate(
  store: ModelHealthStore,
  // BREAKER_WINDOW, as the health-probe worker trims it: with another size each flush and each
  // probe would cut the window to a different length.
  opts: { windowSize: number } = { windowSize: DEFAULT_BREAKER_WINDOW },
) {
  const known = new Map<string, { open: OpenBreaker | null; checkedAt: number }>();
  const read = sharedReads<OpenBreaker | null>();
  const pending = new Map<string, ProbeOutcome[]>();
  const timer = setInterval(() => {
    forgetStale(Date.now());
    void flush();
  }, REFRESH_MS);

  /**
   * A view older than REFRESH_MS is read again anyway: dropped, so the map holds the models of the
   * last second, not every model name any job ever carried (10,000 of them: review G2).
   */
  function forgetStale(now: number): void {
    for (const [key, seen] of known) if (now - seen.checkedAt >= REFRESH_MS) known.delete(key);
  }
  timer.unref();

  async function flush(): Promise<void> {
    const batch = [...pending];
    pending.clear();
    await Promise.all(
      batch.map(([key, outcomes]) =>
        store
          .update(key, (h) => ({
            state: withTraffic(h, outcomes, opts),
            result: null,
          }))
          .catch(() => {}),
      ),
    );
  }

  return {
    /**
     * The open breaker's cause, or null when the model may be called. Answered synchronously while
     * the view is fresh (every job asks: no promise for the common case), else one shared read.
     */
    openBreaker(provider: string, model: string): OpenBreaker | null | Promise<OpenBreaker | null> {
      const key = modelKey(provider, model);
      const now = Date.now();
      const seen = known.get(key);
      if (seen && now - seen.checkedAt < REFRESH_MS) return seen.open;
      return read(key, async () => {
        const open = openBreakerOf(await store.read(key));
        known.set(key, { open, checkedAt: now });
        return open;
      });
    },
    record(provider: string, model: string, outcome: ProbeOutcome): void {
      const key = modelKey(provider, model);
      const list = pending.get(key);
      if (list) list.push(outcome);
      else pending.set(key, [outcome]);
    },
    /** How many models this process holds a view of (bounded by the last second's). */
    get viewed(): number {
      return known.size;
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
export type BreakerGate = ReturnType<typeof breakerGate>;
