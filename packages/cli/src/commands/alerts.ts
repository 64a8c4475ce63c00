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
import { UsageError } from '../usage-error.ts';

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
      else {
        process.stdout.write(
          `${'STATE'.padEnd(9)}${'CATEGORY'.padEnd(17)}${'PROVIDER'.padEnd(16)}${'MODEL'.padEnd(24)}${'EVENTS'.padStart(7)}  ${'FIRST SEEN'.padEnd(21)}LAST SEEN\n`,
        );
        for (const r of rows) {
          const e = JSON.parse(r.event ?? '{}');
          process.stdout.write(
            `${String(r.state).padEnd(9)}${String(e.category).padEnd(17)}${String(e.provider).slice(0, 15).padEnd(16)}${String(
              e.model ?? '*',
            )
              .slice(0, 23)
              .padEnd(24)}${String(r.count).padStart(7)}  ${iso(r.firstSeen).padEnd(21)}${iso(r.lastSeen)}\n`,
          );
        }
      }
      return 0;
    }
    if (sub === 'retry-failed') {
      const deliveries = new Queue(QUEUES.alertDeliveries, { connection: redis, prefix: cfg.QUEUE_PREFIX });
      const failed = await deliveries.getFailedCount();
      await deliveries.retryJobs({ state: 'failed' });
      await deliveries.close();
      process.stdout.write(`${failed} failed deliveries sent again\n`);
      return 0;
    }
    throw new UsageError('name a subcommand: list or retry-failed');
  } finally {
    redis.disconnect();
  }
}
