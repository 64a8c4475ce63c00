import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '@faultline/runtime';
import { freePort, pollUntil, runRepoProcess, startTestRedis } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { demoPaths } from '../src/commands/demo.ts';

const run = (args: string[], env: Record<string, string>) =>
  runRepoProcess(['packages/cli/src/main.ts', ...args], env);

async function settings(dir: string) {
  return {
    FAULTLINE_DATA_DIR: join(dir, 'data'),
    FAULTLINE_REDIS_PORT: String(await freePort()),
    ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
    MAILBOX_DIR: join(dir, 'logs', 'mail'),
    HEALTH_PORT: String(await freePort()),
    ALERTER_HEALTH_PORT: String(await freePort()),
    OPS_PORT: String(await freePort()),
    LOG_FORMAT: 'json',
  };
}

describe('the demo keeps its own data and logs', () => {
  it('its Redis under <data>/demo and its alerts and mail under logs/demo, whatever .env says for real use', () => {
    expect(
      demoPaths({
        FAULTLINE_DATA_DIR: '/srv/fl/data',
        ALERT_FILE_PATH: '/srv/fl/logs/alerts.log',
        MAILBOX_DIR: '/srv/x',
      }),
    ).toEqual({
      dataDir: '/srv/fl/data/demo',
      logsDir: '/srv/fl/logs/demo',
      alertFile: '/srv/fl/logs/demo/alerts.log',
      mailbox: '/srv/fl/logs/demo/mail',
    });
    expect(demoPaths({}).alertFile).toBe(join(process.cwd(), 'logs', 'demo', 'alerts.log'));
    expect(demoPaths({}).dataDir).toBe(join(process.cwd(), 'data', 'demo'));
  });
});

describe('one faultline start (or demo) per data folder', () => {
  it('refuses a second start and a demo, and reset, while one runs; reset --yes removes its state once stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-one-'));
    const env = await settings(dir);
    const first = run(['start'], env);
    try {
      await pollUntil(
        'every service ready',
        () => first.output().includes('all services ready') || first.child.exitCode !== null,
        { timeoutMs: 60_000 },
      );
      const pid = first.child.pid;

      const second = run(['start'], { ...env, OPS_PORT: String(await freePort()) });
      expect(await second.exited).toBe(3);
      expect(second.output()).toMatch(
        new RegExp(
          `faultline start: faultline start \\(pid ${pid}, started \\d\\d:\\d\\d, ops on http://127\\.0\\.0\\.1:${env.OPS_PORT}, Redis redis://127\\.0\\.0\\.1:${env.FAULTLINE_REDIS_PORT}\\) is already running`,
        ),
      );
      expect(second.output()).toContain(`kill ${pid}`);
      // It never claims a Redis of its own while reusing the first one's.
      expect(second.output()).not.toMatch(/started (redis-server|generation)/);

      const demo = run(['demo'], env);
      expect(await demo.exited).toBe(3);
      expect(demo.output()).toMatch(/faultline demo: faultline start \(pid \d+.*\) is already running/);
      expect(demo.output()).not.toMatch(/traffic starts/);

      const reset = run(['reset', '--yes'], env);
      expect(await reset.exited).toBe(3);
      expect(reset.output()).toMatch(
        /faultline reset: faultline start \(pid \d+.*\) is running on .*; stop it first/,
      );
      expect(existsSync(join(env.FAULTLINE_DATA_DIR, 'redis'))).toBe(true);

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
    // The alert file and a demo's leftovers, as a session would leave them.
    writeFileSync(env.ALERT_FILE_PATH, 'ALERT: BILLING_QUOTA\n');
    mkdirSync(join(dir, 'logs', 'demo', 'mail'), { recursive: true });
    mkdirSync(join(env.FAULTLINE_DATA_DIR, 'demo', 'redis'), { recursive: true });
    // Not Faultline's: stays.
    writeFileSync(join(env.FAULTLINE_DATA_DIR, 'models.yaml'), 'models: []\n');

    const asked = run(['reset'], env);
    expect(await asked.exited).toBe(3);
    expect(asked.output()).toContain('add --yes to remove without asking');

    const reset = run(['reset', '--yes'], env);
    expect(await reset.exited).toBe(0);
    for (const removed of [
      join(env.FAULTLINE_DATA_DIR, 'redis'),
      join(env.FAULTLINE_DATA_DIR, 'demo'),
      env.ALERT_FILE_PATH,
      join(dir, 'logs', 'demo'),
    ]) {
      expect(reset.output()).toContain(`removed ${removed}`);
      expect(existsSync(removed)).toBe(false);
    }
    expect(readFileSync(join(env.FAULTLINE_DATA_DIR, 'models.yaml'), 'utf8')).toBe('models: []\n');

    const again = run(['reset', '--yes'], env);
    expect(await again.exited).toBe(0);
    expect(again.output()).toMatch(/^nothing to remove/);
  }, 120_000);

  it('takes over the lock of a start that died, and stops the redis-server it left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-stale-'));
    const env = await settings(dir);
    mkdirSync(env.FAULTLINE_DATA_DIR, { recursive: true });
    // A pid that ran and is gone, as a supervisor killed outright leaves it.
    const dead = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
    // Its redis-server, still running: the watchdog that would have stopped it was killed too.
    const orphan = spawn(
      'redis-server',
      ['--port', String(await freePort()), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
        detached: true,
      },
    );
    writeFileSync(
      join(env.FAULTLINE_DATA_DIR, 'faultline.pid'),
      JSON.stringify({
        pid: dead,
        command: 'start',
        started: new Date().toISOString(),
        redisPid: orphan.pid,
      }),
    );
    const orphanExited = new Promise((r) => orphan.once('exit', r));
    const start = run(['start'], env);
    try {
      await pollUntil(
        'every service ready',
        () => start.output().includes('all services ready') || start.child.exitCode !== null,
        { timeoutMs: 60_000 },
      );
      expect(start.output()).toContain('all services ready');
      await orphanExited;
      const lock = JSON.parse(readFileSync(join(env.FAULTLINE_DATA_DIR, 'faultline.pid'), 'utf8'));
      expect(lock).toMatchObject({ pid: start.child.pid, command: 'start' });
      start.child.kill('SIGINT');
      expect(await start.exited).toBe(0);
      expect(existsSync(join(env.FAULTLINE_DATA_DIR, 'faultline.pid'))).toBe(false);
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('faultline reset --redis', () => {
  it("deletes Faultline's keys under QUEUE_PREFIX on REDIS_URL, and nothing else there", async () => {
    const redis = await startTestRedis();
    const conn = createRedis(redis.url);
    try {
      await conn.mset('{t-reset}:alert-groups', '1', '{t-reset}:generation:1', '2', 'someone-else:key', '3');
      const dir = mkdtempSync(join(tmpdir(), 'faultline-reset-redis-'));
      const env = {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: '{t-reset}',
        FAULTLINE_DATA_DIR: join(dir, 'data'),
        ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
        MAILBOX_DIR: join(dir, 'logs', 'mail'),
      };
      const reset = run(['reset', '--yes', '--redis'], env);
      expect(await reset.exited).toBe(0);
      expect(reset.output()).toContain(`removed 2 keys under {t-reset} on ${redis.url}`);
      expect(await conn.exists('{t-reset}:alert-groups', '{t-reset}:generation:1')).toBe(0);
      expect(await conn.get('someone-else:key')).toBe('3');

      // Without REDIS_URL it would name the embedded Redis, which reset clears with the data folder.
      const unset = run(['reset', '--yes', '--redis'], { FAULTLINE_DATA_DIR: env.FAULTLINE_DATA_DIR });
      expect(await unset.exited).toBe(3);
      expect(unset.output()).toContain('REDIS_URL is not set');
    } finally {
      conn.disconnect();
      await redis.close();
    }
  }, 60_000);
});
