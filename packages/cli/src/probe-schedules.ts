import { modelKey } from '@faultline/core';
import { type createRedis, QUEUES } from '@faultline/runtime';
import { Queue } from 'bullmq';

export interface ProbeSchedule {
  provider: string;
  model: string;
  /** How often the health-probe worker probes it, as its models file said. */
  every: number;
}

/**
 * The models the health-probe worker schedules probes for, and how often: its BullMQ job schedulers
 * (one per model, synced at its start). Without a models file, `faultline health` takes a model's
 * interval from here.
 */
export async function probeSchedules(
  redis: ReturnType<typeof createRedis>,
  prefix: string,
): Promise<Map<string, ProbeSchedule>> {
  const queue = new Queue(QUEUES.healthProbes, { connection: redis, prefix });
  // Failures reach us as rejections; without a listener an 'error' event would be thrown.
  queue.on('error', () => {});
  try {
    const schedules = new Map<string, ProbeSchedule>();
    for (const s of await queue.getJobSchedulers(0, -1)) {
      const data = s.template?.data as { provider?: unknown; model?: unknown } | undefined;
      if (typeof data?.provider !== 'string' || typeof data.model !== 'string') continue;
      if (!s.every || s.every <= 0) continue;
      schedules.set(modelKey(data.provider, data.model), {
        provider: data.provider,
        model: data.model,
        every: s.every,
      });
    }
    return schedules;
  } finally {
    await queue.close();
  }
}
