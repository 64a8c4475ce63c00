import type { Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import {
  createRedis,
  healthSummary,
  type Logger,
  listAlertGroups,
  logErrors,
  metricsCounters,
  modelHealthStore,
  modelStates,
  QUEUES,
  redisKeys,
} from '@faultline/runtime';
import { Queue } from 'bullmq';
import express from 'express';
import { requireCredentials } from './auth.ts';
import type { OpsConfig } from './config.ts';
import { renderMetrics } from './metrics.ts';
import { statusPage } from './status-page.ts';

/**
 * The ops surface: the BullMQ dashboard (bull-board, every Faultline queue, retry of failed jobs),
 * health and alert JSON, a status page, and /metrics. /health and /metrics stay open for probes and
 * scrapers (they hold no secrets); everything else needs the configured credentials.
 */
export async function startOpsServer(cfg: OpsConfig, logger: Logger) {
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

  const board = new ExpressAdapter();
  board.setBasePath('/dashboard');
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Faultline' } },
  });

  const app = express();
  app.disable('x-powered-by');
  const auth = requireCredentials(cfg);
  app.get('/health', async (_req, res) => {
    const ok = (await redis.ping().catch(() => null)) === 'PONG';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', redis: ok });
  });
  app.get('/metrics', async (_req, res, next) => {
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
  app.use('/dashboard', auth, board.getRouter());
  app.get('/api/monitoring/health', auth, async (req, res) => {
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
  app.get(['/', '/status'], auth, async (_req, res) => {
    res.type('html').send(statusPage(await summary(), await listAlertGroups(redis, keys, 100)));
  });
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    logger.error({ err: error }, 'ops request failed');
    res.status(500).json({ error: error.message });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(cfg.OPS_PORT, cfg.OPS_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as { port: number };
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
