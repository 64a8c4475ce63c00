import { type ModelSpec, modelKey } from '@faultline/core';
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

/**
 * One BullMQ job scheduler per model: upserted at start (idempotent, so any number of replicas may
 * do it), removed when the model leaves the file. BullMQ runs each once per interval, whoever holds it.
 */
export async function syncSchedulers(
  queue: Queue,
  models: ModelSpec[],
): Promise<{ upserted: number; removed: number }> {
  const wanted = new Map(models.map((m) => [schedulerId(m), m]));
  for (const [id, m] of wanted) {
    await queue.upsertJobScheduler(
      id,
      { every: m.interval, offset: probeOffset(id, m.interval) },
      {
        name: JOB_NAMES.probe,
        data: { provider: m.provider, model: m.id },
        opts: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
      },
    );
  }
  let removed = 0;
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.key ?? s.id;
    if (id && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      removed++;
    }
  }
  return { upserted: wanted.size, removed };
}
