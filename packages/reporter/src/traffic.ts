import type { ModelHealthStore } from '@faultline/client';
import { DEFAULT_BREAKER_WINDOW, modelKey, type ProbeOutcome, withTraffic } from '@faultline/core';

/** How often outcomes are written, as the generation worker batches its own (breaker-gate.ts). */
const FLUSH_MS = 1_000;
/** Models and outcomes per model held while Redis is away: the newest window is all health keeps. */
const MAX_MODELS = 1_000;
const MAX_OUTCOMES = 1_000;

/**
 * The app's calls feed model health as the generation worker's traffic does: statistics only (the
 * breaker stays with the health probes), written in batches once a second, one write in flight.
 */
export function trafficRecorder(store: ModelHealthStore, windowSize = DEFAULT_BREAKER_WINDOW) {
  let pending = new Map<string, ProbeOutcome[]>();
  let writing: Promise<void> | null = null;
  const timer = setInterval(() => void flush(), FLUSH_MS);
  timer.unref();

  function flush(): Promise<void> {
    if (writing || !pending.size) return writing ?? Promise.resolve();
    const batch = pending;
    pending = new Map();
    writing = Promise.all(
      [...batch].map(([key, outcomes]) =>
        store
          .update(key, (h) => ({ state: withTraffic(h, outcomes, { windowSize }), result: null }))
          .catch(() => {}),
      ),
    ).then(
      () => {
        writing = null;
      },
      () => {
        writing = null;
      },
    );
    return writing;
  }

  return {
    record(provider: string, model: string, outcome: ProbeOutcome): void {
      const key = modelKey(provider, model);
      const list = pending.get(key);
      if (list) {
        if (list.length >= MAX_OUTCOMES) list.shift();
        list.push(outcome);
      } else if (pending.size < MAX_MODELS) pending.set(key, [outcome]);
    },
    /** Writes what is pending, waiting at most `ms`. */
    async flush(ms: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => {
        timer = setTimeout(r, ms);
      });
      await Promise.race([
        (async () => {
          await writing;
          await flush();
        })(),
        deadline,
      ]).finally(() => clearTimeout(timer));
    },
    close(): void {
      clearInterval(timer);
    },
  };
}
export type TrafficRecorder = ReturnType<typeof trafficRecorder>;
