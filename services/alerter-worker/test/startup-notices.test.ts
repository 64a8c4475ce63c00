import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { AlerterConfig } from '../src/config.ts';
import { startupNotices } from '../src/startup-notices.ts';
import { alerterEnv, startAlerterProcess } from './support/alerter-env.ts';

const base = { REDIS_URL: 'redis://127.0.0.1:6379', ENABLE_EMAIL_ALERTS: 'false', SENTRY_ENABLED: 'false' };
const unsigned = (env: Record<string, string>) =>
  startupNotices(loadConfig(AlerterConfig, { ...base, ...env })).filter((n) => /unsigned/.test(n.message));

describe('webhooks without WEBHOOK_SECRET go out unsigned, and start-up says so once', () => {
  it.each([
    [
      'two URLs, no secret: one warning',
      { WEBHOOK_URLS: 'https://a.example/h?token=t0k3n,https://b.example/h' },
      1,
    ],
    ['URLs and a secret: none', { WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: 's3cr3t' }, 0],
    ['no webhooks: none', {}, 0],
    [
      'Slack only (its URL is its secret): none',
      { SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x' },
      0,
    ],
  ])('%s', (_name, env, count) => {
    const found = unsigned(env as Record<string, string>);
    expect(found).toHaveLength(count);
    for (const n of found) {
      expect(n.level).toBe('warn');
      // Neither a URL (it may carry a token) nor any secret is in the notice.
      expect(JSON.stringify(n)).not.toMatch(/t0k3n|a\.example|s3cr3t/);
    }
  });

  it('the running worker logs the warning once, at warn level', async () => {
    const redis = await startTestRedis();
    const { env } = alerterEnv(redis.url, '{t-unsigned}', {
      WEBHOOK_URLS: 'http://127.0.0.1:9/hook?token=t0k3n',
    });
    const proc = await startAlerterProcess(env);
    try {
      const lines = proc
        .output()
        .split('\n')
        .filter((l) => l.includes('unsigned'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, webhooks: 1 });
      expect(proc.output()).not.toContain('t0k3n');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await redis.close();
    }
  });
});
