import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv, until } from './support/alerter-env.ts';
import { startHttpSink } from './support/http-sink.ts';

let redis: TestRedis;
let alerter: ReturnType<typeof startAlerter>;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  ({ env, dir } = alerterEnv(redis.url, '{t-cli-alert}', { ALERT_GROUP_WAIT: '10s' }));
  alerter = startAlerter(loadConfig(AlerterConfig, env), pino({ level: 'silent' }));
});
afterAll(async () => {
  await alerter?.close();
  await redis?.close();
});

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = runRepoProcess(['packages/cli/src/main.ts', ...args], env);
  return { code: await proc.exited, out: proc.output() };
}

describe('faultline test-alert', () => {
  it('goes through the whole pipeline at once (no group wait) and reports each channel', async () => {
    const { code, out } = await cli([
      'test-alert',
      '--category',
      'authentication',
      '--provider',
      'anthropic',
    ]);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/email\s+delivered/);
    expect(out).toMatch(/file\s+delivered/);
    const mail = readdirSync(join(dir, 'mail')).map((f) => readFileSync(join(dir, 'mail', f), 'utf8'));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatch(/ALERT: AUTHENTICATION/);
    expect(readFileSync(env.ALERT_FILE_PATH!, 'utf8')).toMatch(/Provider: anthropic/);
  }, 30_000);

  it('a second test alert is sent too; both show in `alerts list` as resolved at once, not as open incidents', async () => {
    expect((await cli(['test-alert'])).code).toBe(0);
    const { code, out } = await cli(['alerts', 'list']);
    expect(code).toBe(0);
    expect(out.match(/resolved\s+(authentication|billing_quota)/g)).toHaveLength(2);
    expect(out).not.toMatch(/open\s+(authentication|billing_quota)/);
  }, 30_000);

  it('rejects an unknown category naming the accepted ones', async () => {
    const { code, out } = await cli(['test-alert', '--category', 'oops']);
    expect(code).toBe(3);
    expect(out).toMatch(/--category must be one of billing_quota/);
  });
});

describe('faultline alerts retry-failed', () => {
  it('sends again a delivery that used up its attempts, once its channel is back', async () => {
    const hook = await startHttpSink();
    const { env: hookEnv } = alerterEnv(redis.url, '{t-cli-retry}', {
      WEBHOOK_URLS: `${hook.url}/hook`,
      WEBHOOK_SECRET: 'whsec-cli-retry',
      DELIVERY_ATTEMPTS: '1',
    });
    const own = startAlerter(loadConfig(AlerterConfig, hookEnv), pino({ level: 'silent' }));
    const deliveries = new Queue(QUEUES.alertDeliveries, {
      connection: { url: redis.url },
      prefix: '{t-cli-retry}',
    });
    try {
      hook.fail(503);
      const sent = runRepoProcess(['packages/cli/src/main.ts', 'test-alert'], hookEnv);
      await sent.exited;
      await until(
        'the webhook delivery in the failed set',
        async () => (await deliveries.getFailedCount()) === 1,
      );
      expect(hook.received).toHaveLength(0);
      hook.fail(null);
      const retry = runRepoProcess(['packages/cli/src/main.ts', 'alerts', 'retry-failed'], hookEnv);
      expect(await retry.exited).toBe(0);
      expect(retry.output()).toMatch(/1 failed delivery sent again/);
      await until('the webhook to receive it', () => hook.received.length === 1);
      expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ kind: 'firing' });
      expect(await deliveries.getFailedCount()).toBe(0);
    } finally {
      await deliveries.close();
      await own.close();
      await hook.close();
    }
  }, 60_000);
});
