import { createServer, type Server } from 'node:http';
import { createRedis, JOB_NAMES, listenOn, QUEUES } from '@faultline/runtime';
import { Queue, type Worker } from 'bullmq';

/** What GET /health answers (200 when `status` is ok, else 503). */
export interface AlerterHealth {
  status: 'ok' | 'unavailable';
  redis: boolean;
  workers: { running: number; expected: number; stopped: string[] };
  alerts: {
    waiting: number | null;
    failed: number | null;
    /** Paused (from bull-board, say): events wait and nothing alerts. Reported; /health stays 200. */
    paused: boolean | null;
    /** How long the oldest waiting alert event has waited, in ms; 0 when none waits. */
    oldest_waiting_age_ms: number | null;
  };
  /** The quiet sweep's scheduler exists (groups resolve, a failed flush's notifications are re-sent). */
  quiet_sweep_scheduled: boolean | null;
}

/** Redis reads of a health check give up after this long: /health answers 503 rather than hang. */
const CHECK_TIMEOUT_MS = 2000;

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The alerter's health, read with its own connection: one that does not queue commands while Redis
 * is away, so a check during an outage fails at once instead of waiting for the reconnect.
 */
export function alerterHealthCheck(opts: { redisUrl: string; prefix: string; workers: () => Worker[] }) {
  const redis = createRedis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix: opts.prefix });
  const timers = new Queue(QUEUES.alertGroups, { connection: redis, prefix: opts.prefix });
  for (const q of [alerts, timers]) q.on('error', () => {});

  async function check(): Promise<AlerterHealth> {
    const workers = opts.workers();
    const stopped = workers.filter((w) => !w.isRunning() || w.closing).map((w) => w.name);
    const workersOk = workers.length > 0 && stopped.length === 0;
    const redisOk = await within(CHECK_TIMEOUT_MS, redis.ping())
      .then((r) => r === 'PONG')
      .catch(() => false);
    let queue: AlerterHealth['alerts'] = {
      waiting: null,
      failed: null,
      paused: null,
      oldest_waiting_age_ms: null,
    };
    let sweep: boolean | null = null;
    if (redisOk) {
      try {
        const [counts, oldest, paused, scheduler] = await within(
          CHECK_TIMEOUT_MS,
          Promise.all([
            alerts.getJobCounts('waiting', 'prioritized', 'failed'),
            alerts.getJobs(['wait', 'prioritized'], 0, 0, true),
            alerts.isPaused(),
            timers.getJobScheduler(JOB_NAMES.quietSweep),
          ]),
        );
        const first = oldest.filter(Boolean).map((j) => j.timestamp);
        queue = {
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          failed: counts.failed ?? 0,
          paused,
          oldest_waiting_age_ms: first.length ? Math.max(0, Date.now() - Math.min(...first)) : 0,
        };
        sweep = Boolean(scheduler);
      } catch {
        // Redis answered PING but not these: report what is known, and no more.
      }
    }
    return {
      status: redisOk && workersOk ? 'ok' : 'unavailable',
      redis: redisOk,
      workers: { running: workers.length - stopped.length, expected: workers.length, stopped },
      alerts: queue,
      quiet_sweep_scheduled: sweep,
    };
  }

  return {
    check,
    async close(): Promise<void> {
      await Promise.all([alerts.close(), timers.close()]).catch(() => {});
      redis.disconnect();
    },
  };
}

/**
 * GET /health on host:port (0 = any free port): 200 with the health, or 503 when Redis does not
 * answer or a worker is not running. A port in use is a setting to fix (ConfigError, exit 3).
 */
export async function startAlerterHealthApi(opts: {
  host: string;
  port: number;
  check: () => Promise<AlerterHealth>;
}): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (url.pathname === '/health') {
        const health = await opts.check();
        return send(health.status === 'ok' ? 200 : 503, health);
      }
      send(404, { error: `no route ${url.pathname}: try /health` });
    } catch (error) {
      send(500, { error: (error as Error).message });
    }
  });
  const port = await listenOn(server, {
    port: opts.port,
    host: opts.host,
    setting: 'ALERTER_HEALTH_PORT',
    hostSetting: 'ALERTER_HEALTH_HOST',
  });
  return {
    server,
    port,
    url: `http://${opts.host}:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
