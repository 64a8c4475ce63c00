import { createServer, type IncomingMessage } from 'node:http';
import { QUEUES } from '@faultline/runtime';
import { pollUntil, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The corporate proxy stand-in is a test part of the providers package, whose egress this shares.
import { startConnectProxy } from '../../../packages/providers/test/connect-proxy.ts';
import { type AlerterProcess, alerterEnv, startAlerterProcess } from './support/alerter-env.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

const TOKEN = 'hc-t0k3n-5ecret';

/** A dead man's switch stand-in: records when each ping arrived. */
async function startPingSink() {
  const pings: { at: number; method: string; path: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      pings.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '' });
      res.writeHead(200).end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/ping/${TOKEN}`,
    host: `127.0.0.1:${port}`,
    pings,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INTERVAL = 1000;

describe('the watchdog heartbeat (a dead man’s switch)', () => {
  it('two replicas send one heartbeat per interval; none once the alerters stop; the URL is never logged', async () => {
    const sink = await startPingSink();
    const prefix = '{t-watchdog}';
    const { env } = alerterEnv(redis.url, prefix, {
      ALERTER_HEALTH_PORT: '0',
      WATCHDOG_URL: sink.url,
      WATCHDOG_INTERVAL: `${INTERVAL}ms`,
    });
    const procs: AlerterProcess[] = [];
    try {
      // One at a time into `procs`, so that whatever started is stopped if the other fails.
      for (const started of await Promise.allSettled([startAlerterProcess(env), startAlerterProcess(env)]))
        if (started.status === 'fulfilled') procs.push(started.value);
        else throw started.reason;
      await pollUntil('a first heartbeat', () => sink.pings.length > 0, { timeoutMs: 5000 });
      const start = sink.pings.length;
      const t0 = Date.now();
      await sleep(5 * INTERVAL + 200);
      const elapsed = Date.now() - t0;
      const sent = sink.pings.length - start;
      // One scheduler for both replicas: about elapsed/interval heartbeats; one per replica would double it.
      expect(sent).toBeGreaterThanOrEqual(Math.floor(elapsed / INTERVAL) - 1);
      expect(sent).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL) + 1);
      expect(sink.pings.every((p) => p.method === 'POST' && p.path === `/ping/${TOKEN}`)).toBe(true);

      // The pipeline stuck (the alerts queue paused): heartbeats are withheld, so the switch pages.
      const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
      await alerts.pause();
      await sleep(INTERVAL + 200);
      const whilePaused = sink.pings.length;
      await sleep(3 * INTERVAL);
      expect(sink.pings.length).toBe(whilePaused);
      await alerts.resume();
      await alerts.close();
      await pollUntil('heartbeats again', () => sink.pings.length > whilePaused, { timeoutMs: 5000 });
    } finally {
      for (const p of procs) p.child.kill('SIGTERM');
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
    }
    const afterStop = sink.pings.length;
    await sleep(3 * INTERVAL);
    expect(sink.pings.length).toBe(afterStop);
    for (const p of procs) {
      expect(p.output()).not.toContain(TOKEN);
      expect(p.output()).toContain(sink.host);
    }
    expect(
      procs.some((p) =>
        /watchdog heartbeat withheld[^\n]*paused|paused[^\n]*watchdog heartbeat withheld/.test(p.output()),
      ),
    ).toBe(true);
    await sink.close();
  }, 60_000);
});

describe('the watchdog heartbeat behind a corporate proxy', () => {
  /** An alerter with `egress` set, stopped after its first heartbeat: what the proxy and the sink saw. */
  async function firstHeartbeat(egress: (proxyUrl: string, sinkHost: string) => Record<string, string>) {
    const sink = await startPingSink();
    const proxy = await startConnectProxy();
    const { env } = alerterEnv(redis.url, `{t-watchdog-proxy-${process.hrtime.bigint()}}`, {
      WATCHDOG_URL: sink.url,
      WATCHDOG_INTERVAL: `${INTERVAL}ms`,
      ...egress(proxy.url, sink.host),
    });
    let proc: AlerterProcess | undefined;
    try {
      proc = await startAlerterProcess(env);
      await pollUntil('a first heartbeat', () => sink.pings.length > 0, { timeoutMs: 10_000 });
    } finally {
      proc?.child.kill('SIGTERM');
      expect(await proc?.exited).toBe(0);
      await Promise.all([proxy.close(), sink.close()]);
    }
    return { sink, seen: proxy.seen };
  }

  it('goes through HTTP_PROXY, as webhooks do: the proxy sees a tunnel to the host, never the token', async () => {
    const { sink, seen } = await firstHeartbeat((proxyUrl) => ({ HTTP_PROXY: proxyUrl }));
    expect(sink.pings[0]).toMatchObject({ method: 'POST', path: `/ping/${TOKEN}` });
    expect(seen.map((s) => `${s.method} ${s.target}`)).toContain(`CONNECT ${sink.host}`);
    expect(JSON.stringify(seen)).not.toContain(TOKEN);
  }, 60_000);

  it('goes straight to a host NO_PROXY names', async () => {
    const { sink, seen } = await firstHeartbeat((proxyUrl) => ({
      HTTP_PROXY: proxyUrl,
      NO_PROXY: '127.0.0.1',
    }));
    expect(sink.pings.length).toBeGreaterThan(0);
    expect(seen).toEqual([]);
  }, 60_000);
});
