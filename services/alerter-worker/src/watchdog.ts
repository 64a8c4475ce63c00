import { hostname } from 'node:os';
import { createRedis, type Logger, logErrors } from '@faultline/runtime';
import { type Job, Queue, Worker } from 'bullmq';
import { egressDispatcher, undici } from './egress-dispatcher.ts';

/** The watchdog's own queue: its heartbeat job never mixes with alert events or group timers. */
export const WATCHDOG_QUEUE = 'alerter-watchdog';
/** One fixed scheduler id: N replicas upsert the same scheduler, so one heartbeat per interval. */
export const WATCHDOG_SCHEDULER_ID = 'watchdog-heartbeat';
export const WATCHDOG_JOB = 'heartbeat';

/** Only the host of WATCHDOG_URL is ever logged or stored: its path or query often holds a token. */
export function watchdogHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable WATCHDOG_URL)';
  }
}

/** What a heartbeat request carries: the same for the platform fetch and undici's. */
interface Ping {
  method: WatchdogOptions['method'];
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  redirect: 'follow';
}

/**
 * The heartbeat's sender. Behind a corporate proxy it must go where webhooks go (HTTPS_PROXY, NO_PROXY,
 * FAULTLINE_CA_FILE): undici's own fetch with that dispatcher, as Node 20's fetch bundles an older
 * undici that may refuse npm undici's dispatcher. FAULTLINE_TRANSPORT=fetch keeps the platform fetch.
 */
function pingSender(url: string) {
  const dispatcher = egressDispatcher();
  const send = async (ping: Ping): Promise<{ status: number; body: ReadableStream | null }> =>
    dispatcher ? undici().fetch(url, { ...ping, dispatcher }) : fetch(url, ping);
  return { send, close: async () => dispatcher?.close() };
}

export interface WatchdogOptions {
  url: string;
  method: 'POST' | 'GET' | 'HEAD';
  intervalMs: number;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /**
   * Why the heartbeat must be withheld (the pipeline is not working), or null to send it. Withholding
   * is the point of a dead man's switch: the external service pages when heartbeats stop.
   */
  withhold: () => Promise<string | null>;
}

/**
 * The dead man's switch: a BullMQ job scheduler with a fixed id enqueues one heartbeat job per
 * interval (whichever replicas upsert it), this replica's small worker takes it, checks the alerter
 * is working (Redis, workers, the alerts queue moving, the quiet sweep scheduled) and then calls
 * WATCHDOG_URL. A heartbeat thus proves Redis, BullMQ scheduling and a live alerter process end to end.
 */
export async function startWatchdog(opts: WatchdogOptions) {
  const host = watchdogHost(opts.url);
  const timeoutMs = Math.min(10_000, opts.intervalMs);
  const sender = pingSender(opts.url);
  const queueRedis = createRedis(opts.redisUrl);
  const workerRedis = createRedis(opts.redisUrl);
  const queue = new Queue(WATCHDOG_QUEUE, { connection: queueRedis, prefix: opts.prefix });
  logErrors(queue, opts.logger, 'watchdog queue error', { queue: WATCHDOG_QUEUE });

  const schedule = () =>
    queue.upsertJobScheduler(
      WATCHDOG_SCHEDULER_ID,
      { every: opts.intervalMs },
      {
        name: WATCHDOG_JOB,
        opts: {
          removeOnComplete: { age: 86_400, count: 100 },
          removeOnFail: { age: 7 * 86_400, count: 100 },
        },
      },
    );

  async function beat(job: Job): Promise<string> {
    // A heartbeat that waited longer than an interval (no alerter ran) is still sent: it proves now.
    const why = await opts.withhold();
    if (why) {
      opts.logger.warn(
        { watchdog: host, why },
        'watchdog heartbeat withheld: the alerting pipeline is not working',
      );
      return `withheld: ${why}`;
    }
    let status: number;
    try {
      const res = await sender.send({
        method: opts.method,
        ...(opts.method === 'POST'
          ? {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                service: 'faultline-alerter',
                host: hostname(),
                at: new Date().toISOString(),
                scheduled: new Date(job.timestamp).toISOString(),
              }),
            }
          : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (error) {
      // Neither the URL nor its token goes into the log or the job's failedReason: the host only.
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause?.code ?? cause?.message ?? (error as Error).name);
      opts.logger.warn({ watchdog: host, reason }, 'watchdog heartbeat failed');
      throw new Error(`heartbeat to ${host} failed: ${reason}`);
    }
    if (status < 200 || status >= 300) {
      opts.logger.warn({ watchdog: host, status }, 'watchdog heartbeat refused');
      throw new Error(`heartbeat to ${host} answered HTTP ${status}`);
    }
    opts.logger.debug({ watchdog: host, status }, 'watchdog heartbeat sent');
    return 'sent';
  }

  const worker = new Worker(WATCHDOG_QUEUE, beat, {
    connection: workerRedis,
    prefix: opts.prefix,
    concurrency: 1,
    name: `alerter-watchdog@${hostname()}:${process.pid}`,
    removeOnComplete: { age: 86_400, count: 100 },
    removeOnFail: { age: 7 * 86_400, count: 100 },
  });
  logErrors(worker, opts.logger, 'watchdog worker error', { queue: WATCHDOG_QUEUE });
  await schedule();

  // Self-repair: a scheduler deleted by hand or lost with Redis's data is re-created by the next check.
  let checking = false;
  const repair = setInterval(
    () => {
      if (checking) return;
      checking = true;
      queue
        .getJobScheduler(WATCHDOG_SCHEDULER_ID)
        .then(async (existing) => {
          if (existing?.every === opts.intervalMs) return;
          await schedule();
          opts.logger.warn({ watchdog: host }, 'watchdog scheduler re-created');
        })
        .catch((error) => opts.logger.warn({ err: error }, 'could not check the watchdog scheduler'))
        .finally(() => {
          checking = false;
        });
    },
    Math.max(1000, Math.min(opts.intervalMs, 60_000)),
  );

  return {
    worker,
    host,
    async close(): Promise<void> {
      clearInterval(repair);
      await worker.close();
      await queue.close();
      queueRedis.disconnect();
      workerRedis.disconnect();
      await sender.close();
    },
  };
}
