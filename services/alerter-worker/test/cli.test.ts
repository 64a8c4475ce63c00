import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@faultline/runtime';
import { runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { AlerterConfig } from '../src/config.ts';
import { alerterEnv } from './support/alerter-env.ts';

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

  it('a second test alert is sent too, and both show in `alerts list`', async () => {
    expect((await cli(['test-alert'])).code).toBe(0);
    const { code, out } = await cli(['alerts', 'list']);
    expect(code).toBe(0);
    expect(out.match(/open\s+(authentication|billing_quota)/g)).toHaveLength(2);
  }, 30_000);

  it('rejects an unknown category naming the accepted ones', async () => {
    const { code, out } = await cli(['test-alert', '--category', 'oops']);
    expect(code).toBe(3);
    expect(out).toMatch(/--category must be one of billing_quota/);
  });
});
