import { type IncomingHttpHeaders, request } from 'node:http';
import { createLogger, loadConfig } from '@faultline/runtime';
import { pollUntil, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsConfig } from '../src/config.ts';
import { startOpsServer } from '../src/ops-server.ts';

const PREFIX = '{ops-sec}';
const TOKEN = 'ops-dashboard-token-5f1e2d3c';
const METRICS_TOKEN = 'ops-metrics-token-9a8b7c6d5e';
const BEARER = `Bearer ${TOKEN}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Ops {
  port: number;
  logs: string[];
  /** A request to this ops service over HTTP, with any Host header (fetch would not send a foreign one). */
  call(
    path: string,
    opts?: { method?: string; headers?: Record<string, string>; body?: string; from?: string },
  ): Promise<Answer>;
  close(): Promise<void>;
}

let redis: TestRedis;
const running: Ops[] = [];

async function startOps(env: Record<string, string>, redisUrl = redis.url): Promise<Ops> {
  const logs: string[] = [];
  const logger = createLogger('ops', 'info', { write: (line: string) => logs.push(line) });
  const ops = await startOpsServer(
    loadConfig(OpsConfig, { REDIS_URL: redisUrl, QUEUE_PREFIX: PREFIX, OPS_PORT: '0', ...env }),
    logger,
  );
  const port = Number(new URL(ops.url).port);
  const handle: Ops = {
    port,
    logs,
    call: (path, opts = {}) =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            method: opts.method ?? 'GET',
            localAddress: opts.from,
            headers: { host: `127.0.0.1:${port}`, ...opts.headers },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end(opts.body);
      }),
    close: () => ops.close(),
  };
  running.push(handle);
  return handle;
}

/** The headers every answer carries, whatever its status. */
function expectHardened(res: Answer, { cacheable = false } = {}) {
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  if (cacheable) expect(res.headers['cache-control']).not.toContain('no-store');
  else expect(res.headers['cache-control']).toBe('no-store');
}

/** A job in `generation` that failed, for the dashboard's write actions. */
async function failedGenerationJob(): Promise<string> {
  const queue = new Queue('generation', { connection: { url: redis.url }, prefix: PREFIX });
  const worker = new Worker(
    'generation',
    async () => {
      throw new Error('provider said no');
    },
    { connection: { url: redis.url }, prefix: PREFIX },
  );
  try {
    const job = await queue.add('generation', { model: 'sec' }, { attempts: 1 });
    await pollUntil('the job to fail', async () => (await queue.getJob(job.id!))?.failedReason !== undefined);
    return job.id!;
  } finally {
    await worker.close();
    await queue.close();
  }
}

const jobState = async (id: string) => {
  const queue = new Queue('generation', { connection: { url: redis.url }, prefix: PREFIX });
  try {
    return await (await queue.getJob(id))?.getState();
  } finally {
    await queue.close();
  }
};

beforeAll(async () => {
  redis = await startTestRedis();
});

afterAll(async () => {
  for (const ops of running) await ops.close();
  await redis?.close();
});

describe('without credentials, it answers only to a loopback Host (DNS rebinding refused)', () => {
  let open: Ops;
  beforeAll(async () => {
    open = await startOps({});
  });

  it.each([
    '/',
    '/status',
    '/dashboard',
    '/dashboard/api/queues',
    '/api/monitoring/health',
    '/metrics',
    '/health',
  ])('%s: a foreign Host gets 403, a loopback Host its answer', async (path) => {
    for (const host of [
      'evil.example:PORT',
      'evil.example',
      '127.0.0.1.evil.example:PORT',
      '10.0.0.5:PORT',
    ]) {
      const res = await open.call(path, { headers: { host: host.replace('PORT', String(open.port)) } });
      expect({ host, status: res.status }).toEqual({ host, status: 403 });
      expect(res.body).not.toMatch(/faultline|generation|bullmq/i);
      expectHardened(res);
    }
    for (const host of ['127.0.0.1:PORT', 'localhost:PORT', '[::1]:PORT', 'LOCALHOST:PORT', 'localhost']) {
      const res = await open.call(path, { headers: { host: host.replace('PORT', String(open.port)) } });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });

  it('with credentials on loopback, the open /metrics answers only to a loopback Host too', async () => {
    const ops = await startOps({ OPS_TOKEN: TOKEN });
    expect((await ops.call('/metrics')).status).toBe(200);
    expect((await ops.call('/metrics', { headers: { host: `evil.example:${ops.port}` } })).status).toBe(403);
  });
});

describe('bull-board is read-only unless OPS_DASHBOARD_WRITE=true', () => {
  let readOnly: Ops;
  let jobId: string;
  beforeAll(async () => {
    readOnly = await startOps({ OPS_TOKEN: TOKEN });
    jobId = await failedGenerationJob();
  });

  it('marks every queue read-only for the UI', async () => {
    const res = await readOnly.call('/dashboard/api/queues', { headers: { authorization: BEARER } });
    const { queues } = JSON.parse(res.body) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(queues).toHaveLength(5);
    for (const q of queues)
      expect({ queue: q.name, readOnly: q.readOnlyMode }).toEqual({ queue: q.name, readOnly: true });
  });

  it.each([
    ['retry', 'PUT', '/dashboard/api/queues/generation/JOB/retry'],
    ['retry all failed', 'PUT', '/dashboard/api/queues/generation/retry/failed'],
    ['remove', 'PUT', '/dashboard/api/queues/generation/JOB/clean'],
    ['clean failed', 'PUT', '/dashboard/api/queues/generation/clean/failed'],
    ['empty', 'PUT', '/dashboard/api/queues/generation/empty'],
    ['obliterate', 'PUT', '/dashboard/api/queues/generation/obliterate'],
    ['pause alerting', 'PUT', '/dashboard/api/queues/alerts/pause'],
    ['pause all', 'PUT', '/dashboard/api/queues/pause'],
    ['add a job', 'POST', '/dashboard/api/queues/generation/add'],
    ['edit job data', 'PATCH', '/dashboard/api/queues/generation/JOB/update-data'],
    ['remove a scheduler', 'PUT', '/dashboard/api/queues/health-probes/job-schedulers/x/remove'],
    ['purge history', 'POST', '/dashboard/api/metrics/history/purge'],
    ['a route bull-board may add', 'DELETE', '/dashboard/api/queues/generation/JOB'],
  ])('refuses %s (405), and the job stays failed', async (_name, method, path) => {
    const res = await readOnly.call(path.replace('JOB', jobId), {
      method,
      headers: { authorization: BEARER, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', data: { model: 'paid-for-by-you' } }),
    });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.body).error).toMatch(/read-only; set OPS_DASHBOARD_WRITE=true/);
    expectHardened(res);
    expect(await jobState(jobId)).toBe('failed');
  });

  it('retries with OPS_DASHBOARD_WRITE=true, and logs the change', async () => {
    const writable = await startOps({ OPS_TOKEN: TOKEN, OPS_DASHBOARD_WRITE: 'true' });
    const queues = JSON.parse(
      (await writable.call('/dashboard/api/queues', { headers: { authorization: BEARER } })).body,
    ) as { queues: { readOnlyMode: boolean }[] };
    expect(queues.queues.every((q) => !q.readOnlyMode)).toBe(true);
    const res = await writable.call(`/dashboard/api/queues/generation/${jobId}/retry`, {
      method: 'PUT',
      headers: { authorization: BEARER },
    });
    expect(res.status).toBe(204);
    expect(await jobState(jobId)).toBe('waiting');
    const change = writable.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'dashboard change');
    expect(change).toMatchObject({
      method: 'PUT',
      path: `/dashboard/api/queues/generation/${jobId}/retry`,
      status: 204,
      requestId: res.headers['x-request-id'],
    });
  });
});

describe('failed sign-ins are limited per client address', () => {
  it('10 failures in a minute → 429 with Retry-After, for that address only', async () => {
    const ops = await startOps({ OPS_TOKEN: TOKEN });
    for (let i = 0; i < 10; i++) {
      const res = await ops.call('/api/incidents', {
        headers: { authorization: `Bearer wrong-token-${i}-xxxxxxxx` },
      });
      expect(res.status).toBe(401);
    }
    for (const authorization of ['Bearer wrong-token-again-xxxxxxxx', BEARER]) {
      const res = await ops.call('/api/incidents', { headers: { authorization } });
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expectHardened(res);
    }
    // Another client address is not held back by this one's failures.
    expect(
      (await ops.call('/api/incidents', { headers: { authorization: BEARER }, from: '127.0.0.2' })).status,
    ).toBe(200);
    const failed = ops.logs.filter((l) => l.includes('ops sign-in failed'));
    expect(failed).toHaveLength(10);
    expect(failed.join('\n')).not.toContain('wrong-token');
  });

  it('a request without credentials is challenged, not counted', async () => {
    const ops = await startOps({ OPS_USERNAME: 'ops', OPS_PASSWORD: 'correct-horse-battery' });
    for (let i = 0; i < 12; i++) expect((await ops.call('/status')).status).toBe(401);
    const res = await ops.call('/status', {
      headers: { authorization: `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('/metrics and the health JSON can require a token', () => {
  const metricsBearer = `Bearer ${METRICS_TOKEN}`;
  it.each([
    // [settings, path, authorization, status]
    [{ OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN }, '/metrics', undefined, 401],
    [{ OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN }, '/metrics', BEARER, 200],
    [{ OPS_HOST: '127.0.0.1', OPS_TOKEN: TOKEN }, '/metrics', undefined, 200],
    [{ OPS_HOST: '127.0.0.1', OPS_METRICS_TOKEN: METRICS_TOKEN }, '/metrics', undefined, 401],
    [{ OPS_HOST: '127.0.0.1', OPS_METRICS_TOKEN: METRICS_TOKEN }, '/api/monitoring/health', undefined, 401],
    [{ OPS_HOST: '127.0.0.1', OPS_METRICS_TOKEN: METRICS_TOKEN }, '/metrics', metricsBearer, 200],
    [{ OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN }, '/metrics', undefined, 401],
    [
      { OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN },
      '/metrics',
      metricsBearer,
      200,
    ],
    [{ OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN }, '/metrics', BEARER, 200],
    [
      { OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN },
      '/api/monitoring/health',
      metricsBearer,
      200,
    ],
    // The metrics token reads the monitoring endpoints only.
    [
      { OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN },
      '/dashboard',
      metricsBearer,
      401,
    ],
    [
      { OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN },
      '/api/incidents',
      metricsBearer,
      401,
    ],
    [
      { OPS_HOST: '0.0.0.0', OPS_TOKEN: TOKEN, OPS_METRICS_TOKEN: METRICS_TOKEN },
      '/status',
      metricsBearer,
      401,
    ],
  ] as const)('%o %s %s → %i', async (settings, path, authorization, status) => {
    const ops = await startOps(settings);
    const res = await ops.call(path, authorization ? { headers: { authorization } } : {});
    expect(res.status).toBe(status);
    expectHardened(res);
    await ops.close();
    running.splice(running.indexOf(ops), 1);
  });
});

describe('security headers on every answer', () => {
  it.each([
    ['the dashboard page', '/dashboard', 200, false],
    ['the dashboard API', '/dashboard/api/queues', 200, false],
    ['the status page', '/status', 200, false],
    ['the health JSON', '/api/monitoring/health', 200, false],
    ['/metrics', '/metrics', 200, false],
    ['/health', '/health', 200, false],
    ['an unknown path', '/nothing-here', 404, false],
    ['a bull-board bundle (hashed name)', '/dashboard/static/images/logo.svg', 200, true],
  ])('%s', async (_name, path, status, cacheable) => {
    const ops = running[0]!;
    const res = await ops.call(path);
    expect(res.status).toBe(status);
    expectHardened(res, { cacheable });
  });

  it('the refusals too: 401 and the challenge', async () => {
    const ops = await startOps({ OPS_TOKEN: TOKEN });
    const res = await ops.call('/dashboard');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="faultline"');
    expectHardened(res);
  });
});

describe('no error text from inside reaches a client', () => {
  let fragile: TestRedis;
  let ops: Ops;
  let admin: Redis;
  beforeAll(async () => {
    fragile = await startTestRedis();
    admin = new Redis(fragile.url);
    ops = await startOps({ OPS_TOKEN: TOKEN, OPS_REQUEST_TIMEOUT: '500ms' }, fragile.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await ops?.close();
    running.splice(running.indexOf(ops), 1);
    await fragile?.close();
  });

  it.each(['/metrics', '/dashboard/api/queues', '/api/alerts/groups', '/status'])(
    '%s: a Redis error answers 500, a generic message and a request id; the detail goes to the log',
    async (path) => {
      // Every key becomes off limits to the ops connection: each command answers NOPERM.
      await admin.call('ACL', 'SETUSER', 'default', 'resetkeys');
      try {
        const res = await ops.call(path, { headers: { authorization: BEARER } });
        expect(res.status).toBe(500);
        const body = JSON.parse(res.body);
        expect(body).toEqual({ error: 'internal error', requestId: res.headers['x-request-id'] });
        expectHardened(res);
        const logged = ops.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === body.requestId);
        expect(logged?.msg).toBe('ops request failed');
        expect(JSON.stringify(logged.err)).toMatch(/NOPERM/);
      } finally {
        await admin.call('ACL', 'SETUSER', 'default', '~*');
      }
    },
  );

  it('Redis away: 503 within OPS_REQUEST_TIMEOUT, /health 503, nothing from inside', async () => {
    await fragile.stop();
    try {
      const started = Date.now();
      const res = await ops.call('/api/alerts/groups', { headers: { authorization: BEARER } });
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(JSON.parse(res.body)).toEqual({
        error: 'service unavailable, try again later',
        requestId: res.headers['x-request-id'],
      });
      expectHardened(res);
      const health = await ops.call('/health');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toEqual({ status: 'unavailable', redis: false });
    } finally {
      await fragile.start();
    }
    await pollUntil('ops to see Redis again', async () => (await ops.call('/health')).status === 200);
  });
});
