import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type AlertEvent, CATEGORIES, type Category, TAXONOMY } from '@faultline/core';
import {
  ALERT_EVENT_RETENTION,
  assertRedisReachable,
  BaseConfig,
  createRedis,
  JOB_NAMES,
  loadConfig,
  QUEUES,
} from '@faultline/runtime';
import { type Job, Queue } from 'bullmq';
import { UsageError } from '../usage-error.ts';

export const usage = `faultline test-alert [--category billing_quota] [--provider openai] [--timeout S]
      sends a test alert through the whole pipeline (alerts queue → alerter → every enabled channel)
      and reports per channel whether it was delivered; exit 0 when every channel delivered`;

function testEvent(category: Category, provider: string): AlertEvent {
  const spec = TAXONOMY[category];
  return {
    id: `test-${randomUUID()}`,
    occurredAt: new Date().toISOString(),
    source: 'test',
    operation: 'test_alert',
    state: 'firing',
    category,
    severity: spec.severity,
    isRetryable: spec.retryable,
    provider,
    model: null,
    gateway: null,
    statusCode: null,
    providerCode: null,
    reason: 'test_alert',
    retryAfterMs: null,
    requestId: null,
    originalError: 'TestAlert',
    message: 'This is a TEST alert sent by `faultline test-alert`; nothing is wrong.',
    recommendedActions: spec.actions(provider),
  };
}

type Status = { channel: string; state: string; detail: string };

async function channelStatuses(deliveries: Queue, eventId: string): Promise<Status[]> {
  const jobs = (await deliveries.getJobs(
    ['completed', 'failed', 'delayed', 'active', 'waiting'],
    0,
    2000,
  )) as Job[];
  return jobs
    .filter((j) => j?.data?.notification?.event?.id === eventId)
    .map((j) => ({
      // One line per webhook URL (its target names it by a hash: the URL may carry a token).
      channel: String(j.data.target ?? j.data.channel),
      state:
        j.finishedOn && !j.failedReason
          ? 'delivered'
          : j.finishedOn
            ? 'failed'
            : j.failedReason
              ? 'retrying'
              : 'pending',
      detail: j.failedReason ?? '',
    }));
}

export async function testAlertCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      category: { type: 'string', default: 'billing_quota' },
      provider: { type: 'string', default: 'openai' },
      timeout: { type: 'string', default: '30' },
    },
  });
  const category = values.category as Category;
  if (!CATEGORIES.includes(category))
    throw new UsageError(`--category must be one of ${CATEGORIES.join(', ')}`);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new UsageError('--timeout must be a number of seconds');
  const cfg = loadConfig(BaseConfig);
  await assertRedisReachable(cfg.REDIS_URL);
  const redis = createRedis(cfg.REDIS_URL);
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  const deliveries = new Queue(QUEUES.alertDeliveries, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  try {
    const event = testEvent(category, values.provider);
    await alerts.add(JOB_NAMES.alert, event, { jobId: event.id, ...ALERT_EVENT_RETENTION });
    process.stderr.write(
      `test alert ${event.id} (${category}, ${values.provider}) sent; waiting for deliveries…\n`,
    );
    const deadline = Date.now() + timeoutMs;
    let statuses: Status[] = [];
    let warned = false;
    while (Date.now() < deadline) {
      statuses = await channelStatuses(deliveries, event.id);
      if (statuses.length && statuses.every((s) => s.state === 'delivered' || s.state === 'failed')) break;
      if (
        !warned &&
        Date.now() > deadline - timeoutMs + 5000 &&
        !statuses.length &&
        (await alerts.getWorkersCount()) === 0
      ) {
        warned = true;
        process.stderr.write('no alerter is running: start one with `pnpm faultline worker alerter`\n');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!statuses.length) {
      process.stdout.write('no delivery was made: is an alerter running? (pnpm faultline worker alerter)\n');
      return 1;
    }
    const width = Math.max(8, ...statuses.map((s) => s.channel.length));
    for (const s of statuses.sort((a, b) => a.channel.localeCompare(b.channel))) {
      process.stdout.write(`${s.channel.padEnd(width)} ${s.state}${s.detail ? `: ${s.detail}` : ''}\n`);
    }
    return statuses.every((s) => s.state === 'delivered') ? 0 : 1;
  } finally {
    await alerts.close();
    await deliveries.close();
    redis.disconnect();
  }
}
