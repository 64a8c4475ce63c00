import { createServer } from 'node:net';
import { QUEUES } from '@faultline/runtime';
import {
  faultTestsSkipReason,
  pollUntil,
  runRepoProcess,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlerterHealth } from '../src/health-api.ts';
import { alerterEnv, billingEvent, startAlerterProcess } from './support/alerter-env.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

const healthPort = (output: string) => {
  const m = /"healthPort":(\d+)/.exec(output);
  if (!m) throw new Error(`no healthPort in the ready line:\n${output}`);
  return Number(m[1]);
};

async function getHealth(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(8000) });
  return { status: res.status, body: (await res.json()) as AlerterHealth };
}

describe('the alerter answers GET /health', () => {
  it('200 with Redis, workers and the alerts queue; 503 while Redis is down', async () => {
    const prefix = '{t-alerter-health}';
    const { env } = alerterEnv(redis.url, prefix, { ALERTER_HEALTH_PORT: '0' });
    const proc = await startAlerterProcess(env);
    try {
      const port = healthPort(proc.output());
      const ok = await getHealth(port);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        status: 'ok',
        redis: true,
        workers: { running: 3, expected: 3, stopped: [] },
        alerts: { waiting: 0, failed: 0, paused: false, oldest_waiting_age_ms: 0 },
      });
      await pollUntil(
        'the quiet sweep scheduled',
        async () => (await getHealth(port)).body.quiet_sweep_scheduled === true,
      );

      // Events that wait (the queue paused, as from bull-board): counted, and how long the oldest waited.
      const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
      await alerts.pause();
      await alerts.add('alert', billingEvent('acme'));
      await new Promise((r) => setTimeout(r, 300));
      const waiting = await getHealth(port);
      expect(waiting.status).toBe(200);
      expect(waiting.body.alerts.waiting).toBe(1);
      expect(waiting.body.alerts.paused).toBe(true);
      expect(waiting.body.alerts.oldest_waiting_age_ms).toBeGreaterThanOrEqual(250);
      await alerts.resume();
      await alerts.close();

      if (!faultTestsSkipReason()) {
        await redis.stop();
        const down = await getHealth(port);
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: 'unavailable', redis: false });
        await redis.start();
        await pollUntil('200 again after Redis returns', async () => (await getHealth(port)).status === 200, {
          timeoutMs: 15_000,
        });
      }
    } finally {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    }
  }, 60_000);

  it('a port in use stops start-up with exit 3, naming the port and the setting', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { env } = alerterEnv(redis.url, '{t-alerter-health-port}', {
        ALERTER_HEALTH_PORT: String(taken),
      });
      const proc = runRepoProcess(['services/alerter-worker/src/main.ts'], env);
      try {
        const code = await Promise.race([
          proc.exited,
          new Promise((r) => setTimeout(() => r('still running'), 20_000)),
        ]);
        expect(code).toBe(3);
        expect(proc.output()).toContain(`port ${taken} on 127.0.0.1 is in use (ALERTER_HEALTH_PORT)`);
      } finally {
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      }
    } finally {
      blocker.close();
    }
  }, 30_000);
});
