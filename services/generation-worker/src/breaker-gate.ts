import { DEFAULT_BREAKER_WINDOW, modelKey, type ProbeOutcome, withTraffic } from '@faultline/core';
import type { ModelHealthStore } from '@faultline/runtime';
import { sharedReads } from './shared-reads.ts';

/** How stale a process's view of a breaker may be; reading Redis for every job would cost a round trip each. */
const REFRESH_MS = 1000;

/**
 * The generation worker's side of the health-probe breakers: an open breaker fails a job fast,
 * and every call's outcome is added to that model's statistics in batches, once a second.
 */
export function breakerGate(
  store: ModelHealthStore,
  // BREAKER_WINDOW, as the health-probe worker trims it: with another size each flush and each
  // probe would cut the window to a different length.
  opts: { windowSize: number } = { windowSize: DEFAULT_BREAKER_WINDOW },
) {
  const known = new Map<string, { open: boolean; checkedAt: number }>();
  const read = sharedReads<boolean>();
  const pending = new Map<string, ProbeOutcome[]>();
  const timer = setInterval(() => {
    void flush();
  }, REFRESH_MS);
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
    /** A boolean while the view is fresh (every job asks: no promise for the common case), else a read. */
    isOpen(provider: string, model: string): boolean | Promise<boolean> {
      const key = modelKey(provider, model);
      const now = Date.now();
      const seen = known.get(key);
      if (seen && now - seen.checkedAt < REFRESH_MS) return seen.open;
      return read(key, async () => {
        const open = (await store.read(key)).breaker === 'open';
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
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
export type BreakerGate = ReturnType<typeof breakerGate>;
