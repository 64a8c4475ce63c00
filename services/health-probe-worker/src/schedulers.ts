import { type ModelSpec, modelKey } from '@faultline/core';
import { JOB_NAMES } from '@faultline/runtime';
import type { Queue } from 'bullmq';

const schedulerId = (m: ModelSpec) => `probe-${modelKey(m.provider, m.id).replace(/[^\w.-]/g, '_')}`;

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
      { every: m.interval },
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
