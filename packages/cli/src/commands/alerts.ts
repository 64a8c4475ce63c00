import { groupStore } from '@faultline/alerter-worker/group-store';
import {
  assertRedisReachable,
  BaseConfig,
  createRedis,
  loadConfig,
  QUEUES,
  redisKeys,
} from '@faultline/runtime';
import { Queue } from 'bullmq';
import { plural } from '../plural.ts';
import { UsageError } from '../usage-error.ts';
import { alertTable } from './alert-table.ts';

export const usage = `faultline alerts list [--json] | retry-failed
      list: open and recent alert groups (state, category, provider, model, events, first and last seen)
      retry-failed: sends again every delivery that exhausted its attempts`;

const iso = (ms: string | undefined) =>
  ms && Number(ms) ? new Date(Number(ms)).toISOString().replace('.000Z', 'Z') : '-';

export async function alertsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const cfg = loadConfig(BaseConfig);
  await assertRedisReachable(cfg.REDIS_URL);
  const redis = createRedis(cfg.REDIS_URL);
  try {
    if (sub === 'list') {
      const rows = await groupStore(redis, redisKeys(cfg.QUEUE_PREFIX), 0).list(100);
      if (rest.includes('--json')) {
        process.stdout.write(
          `${JSON.stringify(
            rows.map(({ event, ...r }) => ({ ...r, event: JSON.parse(event ?? '{}') })),
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      if (!rows.length) process.stdout.write('no alert groups yet\n');
      else
        process.stdout.write(
          alertTable(
            rows.map((r) => {
              const e = JSON.parse(r.event ?? '{}');
              return [
                String(r.state),
                String(e.category),
                String(e.provider),
                String(e.model ?? '*'),
                String(r.count),
                iso(r.firstSeen),
                iso(r.lastSeen),
              ];
            }),
          ),
        );
      return 0;
    }
    if (sub === 'retry-failed') {
      const deliveries = new Queue(QUEUES.alertDeliveries, { connection: redis, prefix: cfg.QUEUE_PREFIX });
      const failed = await deliveries.getFailedCount();
      await deliveries.retryJobs({ state: 'failed' });
      await deliveries.close();
      process.stdout.write(`${plural(failed, 'failed delivery', 'failed deliveries')} sent again\n`);
      return 0;
    }
    throw new UsageError('name a subcommand: list or retry-failed');
  } finally {
    redis.disconnect();
  }
}
