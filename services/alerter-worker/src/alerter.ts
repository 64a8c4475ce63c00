import { hostname } from 'node:os';
import {
  alertEventBackoff,
  createRedis,
  JOB_NAMES,
  type Logger,
  logErrors,
  metricsCounters,
  QUEUES,
  redisKeys,
} from '@faultline/runtime';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { channelCap } from './channel-cap.ts';
import { enabledChannels } from './channels/index.ts';
import type { AlerterConfig } from './config.ts';
import { deliveryHealth } from './delivery-health.ts';
import { deliveryProcessor } from './delivery-processor.ts';
import { deliveryBackoff, deliveryRetryPolicy } from './delivery-retry.ts';
import { dispatcher } from './dispatch.ts';
import { groupStore } from './group-store.ts';
import { inhibition } from './inhibition.ts';
import { flushBackoff } from './jobs.ts';
import { notificationOutbox } from './notification-outbox.ts';
import { notifier } from './notify.ts';
import { type Clock, systemClock } from './pipeline.ts';
import { eventProcessor } from './processor.ts';
import { rateLimitWindow } from './rate-limit-window.ts';
import { sweeper } from './sweep.ts';
import { timerRouter } from './timers.ts';

const GROUP_TTL_MS = 7 * 86_400_000;

/** How often an alerter job may lose its worker (SIGKILL, OOM, a starved event loop) and still run. */
export const STALLS_TOLERATED = 1000;

/** How often each replica upserts the sweep's scheduler again (it may have been removed). */
const SWEEP_RESCHEDULE_MS = 60_000;

/**
 * A tenth of the quiet period, within [250 ms, 1 min]: a quiet group resolves at most that late, and a
 * notification a failed flush left behind is queued within two of these.
 */
export const quietSweepEvery = (resolveAfterMs: number) =>
  Math.min(60_000, Math.max(250, Math.floor(resolveAfterMs / 10)));

/**
 * The alerter's stages (pipeline.ts) wired to their adapters, as three job handlers: events, group
 * timers, deliveries. `startAlerter` runs them in BullMQ workers; a test may call them itself, on
 * jobs it reads from the queues, with its own clock.
 */
export function alerterStages(
  cfg: AlerterConfig,
  logger: Logger,
  conn: { redis: Redis; state: Redis },
  clock: Clock = systemClock,
) {
  const { redis, state } = conn;
  const keys = redisKeys(cfg.QUEUE_PREFIX);
  const prefix = cfg.QUEUE_PREFIX;
  const channels = enabledChannels(cfg);
  const timersQueue = new Queue(QUEUES.alertGroups, { connection: redis, prefix });
  const deliveriesQueue = new Queue(QUEUES.alertDeliveries, { connection: redis, prefix });
  for (const q of [timersQueue, deliveriesQueue])
    logErrors(q, logger, 'alerter queue error', { queue: q.name });
  const groups = groupStore(state, keys, GROUP_TTL_MS);
  // An incident's inhibition lives as long as its group (it ends when the group resolves).
  const outbox = notificationOutbox(state, keys, GROUP_TTL_MS, cfg.ALERT_RESOLVE_HOLD);
  const window = rateLimitWindow(state, keys, {
    rateLimitWindowMs: cfg.RATE_LIMIT_ALERT_WINDOW,
    rateLimitThreshold: cfg.RATE_LIMIT_ALERT_THRESHOLD,
    burstThreshold: cfg.BURST_ALERT_THRESHOLD,
  });
  const routing = {
    notifyMinSeverity: cfg.ALERT_NOTIFY_MIN_SEVERITY,
    sentryMinSeverity: cfg.SENTRY_MIN_SEVERITY,
  };
  const cap = channelCap(state, keys, cfg.ALERT_MAX_PER_HOUR);
  const counters = metricsCounters(state, prefix);
  const dispatch = dispatcher({
    deliveries: deliveriesQueue,
    timers: timersQueue,
    cap,
    targets: [...channels.values()].map((c) => ({ target: c.target, channel: c.name })),
    retry: deliveryRetryPolicy(cfg),
    subjectPrefix: cfg.ALERT_SUBJECT_PREFIX,
    routing,
    counters,
    clock,
  });
  const sweepEveryMs = quietSweepEvery(cfg.ALERT_RESOLVE_AFTER);
  const notify = notifier({
    groups,
    outbox,
    window,
    inhibition: inhibition(state, keys),
    dispatcher: dispatch,
    cap,
    routing,
    clock,
  });
  const sweep = sweeper({
    groups,
    outbox,
    notifier: notify,
    logger,
    clock,
    resolveAfterMs: cfg.ALERT_RESOLVE_AFTER,
    sweepEveryMs,
  });
  return {
    channels,
    groups,
    timersQueue,
    deliveriesQueue,
    sweepEveryMs,
    processEvent: eventProcessor({
      groups,
      window,
      timers: timersQueue,
      notifier: notify,
      clock,
      logger,
      groupBy: cfg.ALERT_GROUP_BY,
      groupWaitMs: cfg.ALERT_GROUP_WAIT,
      repeatIntervalMs: cfg.ALERT_REPEAT_INTERVAL,
      resolveHoldMs: cfg.ALERT_RESOLVE_HOLD,
    }),
    processTimer: timerRouter(notify, sweep),
    deliver: deliveryProcessor({
      channels,
      redis: state,
      keys,
      logger,
      counters,
      health: deliveryHealth(state, prefix, cfg.DELIVERY_FAILING_ALERT_AFTER),
      meta: dispatch,
      clock,
    }),
    close: () => Promise.all([timersQueue.close(), deliveriesQueue.close()]),
  };
}

/** Runs the alerter's stages in three BullMQ workers (events, group timers, deliveries). */
export function startAlerter(
  cfg: AlerterConfig,
  logger: Logger,
  opts: { autorun?: boolean; sweepRescheduleMs?: number } = {},
) {
  const redis = createRedis(cfg.REDIS_URL);
  // The alerter's own commands (not BullMQ's) from concurrent jobs leave in one write per tick.
  const state = createRedis(cfg.REDIS_URL, { enableAutoPipelining: true });
  const stages = alerterStages(cfg, logger, { redis, state });
  const { channels, timersQueue, sweepEveryMs } = stages;
  const connections = [redis, state];
  const workerOptions = (concurrency: number) => {
    // BullMQ leaves a connection it was handed open on close(): each worker gets its own to close.
    const connection = createRedis(cfg.REDIS_URL);
    connections.push(connection);
    return {
      connection,
      prefix: cfg.QUEUE_PREFIX,
      concurrency,
      autorun: opts.autorun ?? true,
      name: `alerter@${hostname()}:${process.pid}`,
      // Every alerter job may run again (ids, the outbox and the `delivered` mark make it so), and a
      // replica killed or starved twice mid-job must not fail it for good: BullMQ's default of one
      // stall lost a mail in the chaos bench.
      maxStalledCount: STALLS_TOLERATED,
      removeOnComplete: { age: 3600, count: 10_000 },
      // For jobs that name none (timers): kept for a look, by age and count, never forever (G1).
      removeOnFail: { age: 30 * 86_400, count: 10_000 },
    };
  };
  const workers = [
    new Worker(QUEUES.alerts, stages.processEvent, {
      ...workerOptions(cfg.ALERTER_CONCURRENCY),
      // Events queued before ALERT_EVENT_BACKOFF was their type keep BullMQ's built-in `fixed`.
      settings: { backoffStrategy: (attemptsMade: number) => alertEventBackoff(attemptsMade) },
    }),
    new Worker(QUEUES.alertGroups, stages.processTimer, {
      ...workerOptions(20),
      settings: { backoffStrategy: flushBackoff },
    }),
    new Worker(QUEUES.alertDeliveries, stages.deliver, {
      ...workerOptions(cfg.DELIVERY_CONCURRENCY),
      settings: { backoffStrategy: deliveryBackoff(deliveryRetryPolicy(cfg)) },
    }),
  ];
  // Idempotent, so every replica may upsert it; BullMQ runs it once per interval, whoever holds it.
  // Upserted again every minute: the sweep is what repairs lost timers and outbox leftovers, so a
  // scheduler removed by hand (or by a Redis that lost its data) must come back by itself.
  const scheduleSweep = () =>
    timersQueue
      .upsertJobScheduler(
        JOB_NAMES.quietSweep,
        { every: sweepEveryMs },
        {
          name: JOB_NAMES.quietSweep,
          opts: {
            removeOnComplete: { age: 86_400, count: 100 },
            removeOnFail: { age: 7 * 86_400, count: 100 },
          },
        },
      )
      .catch((error) => logger.error({ err: error }, 'could not schedule the quiet sweep'));
  void scheduleSweep();
  const resweep = setInterval(() => void scheduleSweep(), opts.sweepRescheduleMs ?? SWEEP_RESCHEDULE_MS);
  resweep.unref();
  for (const w of workers) logErrors(w, logger, 'alerter worker error', { queue: w.name });

  return {
    workers,
    channels: [...channels.keys()],
    groups: stages.groups,
    async close(): Promise<void> {
      clearInterval(resweep);
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([stages.close(), ...[...channels.values()].map((c) => c.close())]);
      for (const c of connections) c.disconnect();
    },
  };
}
export type RunningAlerter = ReturnType<typeof startAlerter>;
