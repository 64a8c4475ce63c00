import { createServer, type Server } from 'node:http';
import {
  createRedis,
  healthSummary,
  type Logger,
  listAlertGroups,
  listenOn,
  logErrors,
  metricsCounters,
  modelHealthStore,
  modelStates,
  QUEUES,
  redisKeys,
  unknownSignatures,
} from '@faultline/runtime';
import { Queue } from 'bullmq';
import express from 'express';
import { opsGuards } from './auth.ts';
import { type OpsConfig, refusePlaceholders } from './config.ts';
import { dashboardRouter } from './dashboard.ts';
import { eventIngest } from './event-ingest.ts';
import { renderMetrics } from './metrics.ts';
import { answerErrors, answerWithin, assignRequestId, notFound } from './request-errors.ts';
import { securityHeaders } from './security-headers.ts';
import { statusPage } from './status-page.ts';

/**
 * The ops surface: the BullMQ dashboard (bull-board over every Faultline queue, read-only unless
 * OPS_DASHBOARD_WRITE), health and alert JSON, a status page, and /metrics. /health stays open for
 * probes (it says ok or not); who may read the rest is auth.ts. Every answer carries security
 * headers and a request id; no error text from inside reaches a client (request-errors.ts).
 */
export async function startOpsServer(cfg: OpsConfig, logger: Logger) {
  refusePlaceholders(cfg);
  const redis = createRedis(cfg.REDIS_URL);
  const keys = redisKeys(cfg.QUEUE_PREFIX);
  const queues = Object.values(QUEUES).map(
    (name) => new Queue(name, { connection: redis, prefix: cfg.QUEUE_PREFIX }),
  );
  for (const q of queues) logErrors(q, logger, 'queue error', { queue: q.name });
  const counters = metricsCounters(redis, cfg.QUEUE_PREFIX);
  const breaker = { slowMs: cfg.SLOW_PROBE };
  const summary = async () => {
    const states = await modelStates(redis, cfg.QUEUE_PREFIX);
    return healthSummary(
      states.map((s) => s.spec),
      modelHealthStore(redis, keys),
      breaker,
    );
  };

  const app = express();
  app.disable('x-powered-by');
  const guards = opsGuards(cfg, logger);
  // /health answers itself, as unavailable, before the request deadline would answer for it.
  const healthPingMs = Math.min(HEALTH_PING_MS, cfg.OPS_REQUEST_TIMEOUT / 2);
  const auth = guards.dashboard;
  app.use(
    assignRequestId,
    securityHeaders,
    guards.loopbackOnly,
    answerWithin(cfg.OPS_REQUEST_TIMEOUT, logger),
  );
  app.get('/health', async (_req, res) => {
    const ok = (await pingWithin(redis, healthPingMs)) === 'PONG';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', redis: ok });
  });
  app.get('/metrics', guards.metrics, async (_req, res, next) => {
    try {
      res
        .type('text/plain; version=0.0.4')
        .send(
          await renderMetrics({ queues, counters, redis, prefix: cfg.QUEUE_PREFIX, slowMs: cfg.SLOW_PROBE }),
        );
    } catch (error) {
      next(error);
    }
  });
  app.use(
    '/dashboard',
    auth,
    dashboardRouter(queues, { write: cfg.OPS_DASHBOARD_WRITE, showPrompts: cfg.OPS_SHOW_PROMPTS, logger }),
  );
  app.get('/api/monitoring/health', guards.healthApi, async (req, res) => {
    const { details, providers, ...totals } = await summary();
    res.json(
      req.query.detail === 'true' || req.query.detail === '1' ? { ...totals, providers, details } : totals,
    );
  });
  app.get('/api/alerts/groups', auth, async (_req, res) => {
    const groups = await listAlertGroups(redis, keys, 100);
    res.json(groups.map(({ event, ...g }) => ({ ...g, event: JSON.parse(event ?? '{}') })));
  });
  app.get('/api/incidents', auth, async (_req, res) => {
    const groups = await listAlertGroups(redis, keys, 500);
    res.json(
      groups
        .filter((g) => g.state === 'open' || g.state === 'pending')
        .map(({ event, ...g }) => ({ ...g, event: JSON.parse(event ?? '{}') })),
    );
  });
  // What the classifier could not place, the most frequent first: what to teach it (FAULTLINE_CLASSIFIER_RULES).
  app.get('/api/classifier/unknowns', auth, async (req, res) => {
    const limit = Number(req.query.limit);
    res.json(
      await unknownSignatures(redis, keys).list(Number.isInteger(limit) && limit > 0 ? limit : undefined),
    );
  });
  app.get(['/', '/status'], auth, async (_req, res) => {
    res.type('html').send(statusPage(await summary(), await listAlertGroups(redis, keys, 100)));
  });
  // Failures of calls the apps make themselves (POST /api/events): its own credentials, never open.
  const alerts = queues.find((q) => q.name === QUEUES.alerts)!;
  app.use(
    eventIngest({
      cfg,
      authenticate: guards.ingest,
      logger,
      alerts,
      unknowns: unknownSignatures(redis, keys),
    }),
  );
  app.use(notFound, answerErrors(logger));

  const server: Server = createServer(app);
  const port = await listenOn(server, {
    port: cfg.OPS_PORT,
    host: cfg.OPS_HOST,
    setting: 'OPS_PORT',
    hostSetting: 'OPS_HOST',
  });
  return {
    url: `http://${cfg.OPS_HOST.includes(':') ? `[${cfg.OPS_HOST}]` : cfg.OPS_HOST}:${port}`,
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await Promise.all(queues.map((q) => q.close()));
      redis.disconnect();
    },
  };
}

/** /health answers the kubelet within its timeout even while Redis is away (the ping would wait for it). */
const HEALTH_PING_MS = 2_000;
const pingWithin = (redis: ReturnType<typeof createRedis>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    redis.ping().catch(() => null),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};
