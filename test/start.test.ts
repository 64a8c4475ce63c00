import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATEGORIES } from '@faultline/core';
import { freePort, pollUntil, runRepoProcess } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';

const run = (args: string[], env: Record<string, string>) =>
  runRepoProcess(['packages/cli/src/main.ts', ...args], env);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('faultline start with no configuration', () => {
  it('brings up Redis and every service, delivers a test alert to the file and the mailbox, and stops everything on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-start-'));
    // No REDIS_URL, no SMTP, no Sentry: only where to put files and which ports are free here.
    const env = {
      FAULTLINE_DATA_DIR: join(dir, 'data'),
      FAULTLINE_REDIS_PORT: String(await freePort()),
      ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
      MAILBOX_DIR: join(dir, 'logs', 'mail'),
      HEALTH_PORT: String(await freePort()),
      ALERTER_HEALTH_PORT: '0',
      OPS_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
    };
    const start = run(['start'], env);
    try {
      await pollUntil(
        'every service ready',
        () => start.output().includes('all services ready') || start.child.exitCode !== null,
        { timeoutMs: 40_000 },
      );
      expect(start.output()).toContain('all services ready');
      expect(start.output()).toMatch(/no REDIS_URL: started redis-server/);
      // Said once, by the alerter, not again by the supervisor.
      expect(start.output().match(/Sentry is off/g)).toHaveLength(1);
      expect(existsSync(join(dir, 'data', 'redis'))).toBe(true);
      const pids = [...start.output().matchAll(/started [\w-]+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(4);

      // No REDIS_URL here either: a command finds the Redis that start runs.
      const alert = run(['test-alert'], env);
      expect(await alert.exited).toBe(0);
      expect(alert.output()).toMatch(/email\s+delivered/);
      expect(readFileSync(env.ALERT_FILE_PATH, 'utf8')).toMatch(/ALERT: BILLING_QUOTA/);
      expect(readdirSync(env.MAILBOX_DIR).filter((f) => f.endsWith('.eml'))).toHaveLength(1);

      const health = await fetch(`http://127.0.0.1:${env.HEALTH_PORT}/health`);
      expect(health.status).toBe(200);

      start.child.kill('SIGINT');
      expect(await start.exited).toBe(0);
      await pollUntil('no orphan left', () => pids.every((pid) => !alive(pid)), { timeoutMs: 10_000 });
      // Redis stopped too: its port no longer answers.
      const stillUp = await fetch(`http://127.0.0.1:${env.FAULTLINE_REDIS_PORT}`).then(
        () => true,
        (e) => !/ECONNREFUSED/.test(String(e.cause?.code ?? e)),
      );
      expect(stillUp).toBe(false);
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('faultline demo', () => {
  it('shows alerts in its own file and mailbox within a minute, all offline, stops on Ctrl-C, and leaves start clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-demo-'));
    const env = {
      FAULTLINE_DATA_DIR: join(dir, 'data'),
      FAULTLINE_REDIS_PORT: String(await freePort()),
      ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
      MAILBOX_DIR: join(dir, 'logs', 'mail'),
      HEALTH_PORT: String(await freePort()),
      ALERTER_HEALTH_PORT: '0',
      OPS_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
    };
    // The demo keeps its alerts and mail apart, beside ALERT_FILE_PATH, so a later start sees none of them.
    const demoAlerts = join(dir, 'logs', 'demo', 'alerts.log');
    const demoMail = join(dir, 'logs', 'demo', 'mail');
    const demo = run(['demo'], env);
    try {
      const file = () => {
        try {
          return readFileSync(demoAlerts, 'utf8');
        } catch {
          return '';
        }
      };
      await pollUntil(
        'billing and authentication alerts',
        () => /ALERT: BILLING_QUOTA/.test(file()) && /ALERT: AUTHENTICATION/.test(file()),
        { timeoutMs: 60_000 },
      );
      // The simulated provider outage (both of its models down together) is one CRITICAL alert.
      await pollUntil('the provider outage alert', () => /Provider: outage-cloud/.test(file()), {
        timeoutMs: 30_000,
      });
      // The mailbox is its own delivery, a moment after the file.
      await pollUntil(
        'two messages in the mailbox',
        () => existsSync(demoMail) && readdirSync(demoMail).length >= 2,
        { timeoutMs: 30_000 },
      );
      const metrics = await (await fetch(`http://127.0.0.1:${env.OPS_PORT}/metrics`)).text();
      // Traffic through every category, the unknown one included.
      for (const category of CATEGORIES)
        expect(metrics).toMatch(new RegExp(`faultline_classified_errors_total\\{category="${category}"`));
      // `faultline health` in another terminal, with neither REDIS_URL nor the demo's models file.
      const health = run(['health', '--json'], { FAULTLINE_REDIS_PORT: env.FAULTLINE_REDIS_PORT });
      await health.exited;
      const models = (JSON.parse(health.output()) as { details: { model_id: string }[] }).details.map(
        (d) => d.model_id,
      );
      expect(models).toEqual(expect.arrayContaining(['gpt-4o-mini', 'qwen-72b', 'qwen-7b']));
      demo.child.kill('SIGINT');
      expect(await demo.exited).toBe(0);
      expect(demo.output()).toContain(`AOF in ${join(dir, 'data', 'demo', 'redis')}`);
      expect(existsSync(join(dir, 'data', 'redis'))).toBe(false);
      expect(existsSync(env.ALERT_FILE_PATH)).toBe(false);

      // `faultline start` afterwards, same folders and ports: none of the demo's models or alerts.
      const start = run(['start'], env);
      try {
        await pollUntil(
          'every service ready',
          () => start.output().includes('all services ready') || start.child.exitCode !== null,
          { timeoutMs: 40_000 },
        );
        const after = run(['health', '--json'], { FAULTLINE_REDIS_PORT: env.FAULTLINE_REDIS_PORT });
        await after.exited;
        expect((JSON.parse(after.output()) as { details: unknown[] }).details).toEqual([]);
        const alerts = run(['alerts', 'list'], { FAULTLINE_REDIS_PORT: env.FAULTLINE_REDIS_PORT });
        expect(await alerts.exited).toBe(0);
        expect(alerts.output()).toBe('no alert groups yet\n');
        start.child.kill('SIGINT');
        expect(await start.exited).toBe(0);
      } finally {
        if (start.child.exitCode === null) start.child.kill('SIGKILL');
      }
    } finally {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    }
  }, 180_000);
});

describe('faultline start without redis-server', () => {
  it('says how to install it or where to point REDIS_URL, and exits 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-noredis-'));
    const start = run(['start'], { PATH: '/nonexistent', FAULTLINE_DATA_DIR: join(dir, 'data') });
    expect(await start.exited).toBe(4);
    expect(start.output()).toMatch(/redis-server is not on PATH: install Redis .*or point REDIS_URL/);
    expect(start.output()).not.toMatch(/\n\s+at /);
    expect(start.output()).not.toMatch(/started generation/);
  });
});

describe('faultline start with a bad setting', () => {
  it('stops before starting anything, naming the variable', async () => {
    const start = run(['start'], { ALERT_GROUP_WAIT: 'soon', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await start.exited).toBe(3);
    expect(start.output()).toMatch(/ALERT_GROUP_WAIT: expected a duration such as 500ms, 10s, 5m or 1h/);
    expect(start.output()).not.toMatch(/started generation/);
  });
});
