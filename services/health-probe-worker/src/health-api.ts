import { createServer, type Server } from 'node:http';
import { type HealthSummary, listenOn } from '@faultline/runtime';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * GET /health: liveness (Redis answers, schedulers present), with the models' counts by status
 * (one MGET; they do not change the answer's status). GET /api/monitoring/health: the summary;
 * `?detail=true` adds per-provider and per-model detail.
 */
export async function startHealthApi(opts: {
  host: string;
  port: number;
  redis: Redis;
  probes: Queue;
  expectedSchedulers: number;
  summary: () => Promise<HealthSummary>;
}): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (url.pathname === '/health') {
        const redisOk = (await opts.redis.ping().catch(() => null)) === 'PONG';
        const schedulers = redisOk ? await opts.probes.getJobSchedulersCount() : 0;
        const ok = redisOk && schedulers >= opts.expectedSchedulers;
        // The same counts as /api/monitoring/health; null when they cannot be read.
        const models = redisOk ? ((await opts.summary().catch(() => null))?.models ?? null) : null;
        return send(ok ? 200 : 503, {
          status: ok ? 'ok' : 'unavailable',
          redis: redisOk,
          schedulers,
          expected_schedulers: opts.expectedSchedulers,
          models,
        });
      }
      if (url.pathname === '/api/monitoring/health') {
        const { details, providers, ...summary } = await opts.summary();
        const detail = url.searchParams.get('detail');
        return send(200, detail === 'true' || detail === '1' ? { ...summary, providers, details } : summary);
      }
      send(404, { error: `no route ${url.pathname}: try /health or /api/monitoring/health` });
    } catch (error) {
      send(500, { error: (error as Error).message });
    }
  });
  const port = await listenOn(server, {
    port: opts.port,
    host: opts.host,
    setting: 'HEALTH_PORT',
    hostSetting: 'HEALTH_HOST',
  });
  return { server, url: `http://${opts.host}:${port}` };
}
