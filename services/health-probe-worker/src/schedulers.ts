import { type ModelSpec, modelKey } from '@faultline/core';
import type { Logger } from '@faultline/runtime';
import { JOB_NAMES } from '@faultline/runtime';
import type { Queue } from 'bullmq';

const schedulerId = (m: ModelSpec) => `probe-${modelKey(m.provider, m.id).replace(/[^\w.-]/g, '_')}`;

/**
 * Where in its interval a model's probe runs: a stable hash of its id. Without it BullMQ starts every
 * scheduler at once and snaps late ones to the interval's boundary, so 1,000 models probed every
 * 10 s arrive as one burst every 10 s (p50 lateness ~400 ms in bench/health-probe.ts) instead of
 * 100 spread over each second.
 */
export function probeOffset(id: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  // BullMQ treats an offset of 0 as "none": 1..interval-1.
  return intervalMs > 1 ? 1 + ((h >>> 0) % (intervalMs - 1)) : 0;
}

const upsert = (queue: Queue, id: string, m: ModelSpec) =>
  queue.upsertJobScheduler(
    id,
    { every: m.interval, offset: probeOffset(id, m.interval) },
    {
      name: JOB_NAMES.probe,
      data: { provider: m.provider, model: m.id },
      opts: {
        removeOnComplete: { age: 86_400, count: 1000 },
        removeOnFail: { age: 7 * 86_400, count: 1000 },
      },
    },
  );

export interface SyncOptions {
  /**
   * Remove schedulers of models not in `models`. Only a replica that read a models file may: one
   * started without FAULTLINE_MODELS_FILE knows nothing of the fleet's models and removes nothing.
   */
  removeOthers: boolean;
  /** Upsert only schedulers that are missing or whose interval differs (the periodic reconcile). */
  onlyMissing?: boolean;
}

/**
 * One BullMQ job scheduler per model, upserted at start and reconciled periodically (idempotent, so
 * any number of replicas may do it): a scheduler deleted by hand, by FLUSHDB or by a failover to an
 * empty Redis comes back. BullMQ runs each once per interval, whoever holds it.
 */
export async function syncSchedulers(
  queue: Queue,
  models: ModelSpec[],
  opts: SyncOptions = { removeOthers: true },
): Promise<{ upserted: number; removed: number }> {
  const wanted = new Map(models.map((m) => [schedulerId(m), m]));
  const existing = new Map<string, number | undefined>();
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.key ?? s.id;
    if (id) existing.set(id, s.every);
  }
  let upserted = 0;
  for (const [id, m] of wanted) {
    if (opts.onlyMissing && existing.has(id) && existing.get(id) === m.interval) continue;
    await upsert(queue, id, m);
    upserted++;
  }
  let removed = 0;
  if (opts.removeOthers) {
    for (const id of existing.keys()) {
      if (!wanted.has(id)) {
        await queue.removeJobScheduler(id);
        removed++;
      }
    }
  }
  return { upserted, removed };
}

/**
 * The periodic reconcile: re-creates missing schedulers (and, with a models file, removes those of
 * models not in it), one run at a time; a repair is logged as a warning, since something deleted them.
 */
export function schedulerReconciler(
  queue: Queue,
  models: ModelSpec[],
  removeOthers: boolean,
  logger: Logger,
) {
  let running: Promise<void> | null = null;
  return {
    run(why: string): void {
      if (running) return;
      running = syncSchedulers(queue, models, { removeOthers, onlyMissing: true })
        .then(
          ({ upserted, removed }) => {
            if (upserted || removed)
              logger.warn({ why, recreated: upserted, removed }, 'probe schedulers repaired');
          },
          (error) => logger.warn({ err: error, why }, 'could not reconcile probe schedulers; will retry'),
        )
        .finally(() => {
          running = null;
        });
    },
    /** Resolves once a run in progress is over (before the queue closes). */
    async idle(): Promise<void> {
      await running;
    },
  };
}
