import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pollUntil, REPO_ROOT } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { descendants, portFree, running } from './process-tree.ts';

/** Settings for a start of its own: its folders and free ports. */
async function ownStart() {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-signals-'));
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

/** Starts `command` and waits until every service is ready; returns the outermost pid and what runs below it. */
async function startThrough(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  // 'close', not 'exit': its output is all read by then.
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  await pollUntil(
    'every service ready',
    () => out.includes('all services ready') || child.exitCode !== null,
    {
      timeoutMs: 90_000,
    },
  );
  expect(out).toContain('all services ready');
  const tree = descendants(child.pid!);
  return { child, tree, output: () => out, exited };
}

const ports = (env: Record<string, string>) =>
  [env.FAULTLINE_REDIS_PORT, env.OPS_PORT, env.HEALTH_PORT, env.ALERTER_HEALTH_PORT].map(Number);

async function expectAllGone(tree: Map<number, string>, env: Record<string, string>) {
  // The services' own deadline (SHUTDOWN_GRACE + margin) bounds this; nothing may outlive it.
  await pollUntil(
    'every process of the start to exit',
    () => [...tree.keys()].every((pid) => !running(pid)),
    {
      timeoutMs: 40_000,
    },
  );
  for (const port of ports(env)) expect(await portFree(port), `port ${port} free`).toBe(true);
}

const what = (tree: Map<number, string>) => [...tree.values()].join('\n');

describe('a signal to any process of faultline start stops all of it, redis-server included', () => {
  it('SIGTERM to the outermost npx only (npx and pnpm pass nothing on)', async () => {
    const env = await ownStart();
    const start = await startThrough('npx', ['-y', 'pnpm@10.34.9', 'faultline', 'start'], env);
    try {
      // npx → sh → pnpm → sh → the supervisor → the services and redis-server.
      expect(what(start.tree)).toMatch(/pnpm/);
      expect(what(start.tree)).toMatch(/redis-server/);
      expect(what(start.tree)).toMatch(/services\/ops\/src\/main\.ts/);
      start.child.kill('SIGTERM');
      await expectAllGone(start.tree, env);
      expect(start.output()).toMatch(/has exited: stopping/);
      expect(start.output()).toContain('[faultline]     stopped');
    } finally {
      for (const pid of start.tree.keys()) if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 150_000);

  it.each(['SIGHUP', 'SIGKILL'] as const)(
    '%s to the supervisor',
    async (signal) => {
      const env = await ownStart();
      const start = await startThrough(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', 'packages/cli/src/main.ts', 'start'],
        env,
      );
      try {
        expect(what(start.tree)).toMatch(/redis-server/);
        start.child.kill(signal);
        await expectAllGone(start.tree, env);
        // SIGHUP is a clean stop; after SIGKILL the services and Redis stop themselves.
        if (signal === 'SIGHUP') {
          await start.exited;
          expect(start.output()).toContain('[faultline]     stopped');
        }
      } finally {
        for (const pid of start.tree.keys()) if (running(pid)) process.kill(pid, 'SIGKILL');
      }
    },
    150_000,
  );
});
