import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pollUntil, REPO_ROOT } from '@faultline/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

// What a person sees from `npx faultline …`, the README's way to run every command: Faultline's own
// lines only. pnpm's ` ELIFECYCLE  Command failed` (or npm's `npm error`) after a deliberate non-zero
// exit or a Ctrl-C reads like a crash.
const NOISE = /ELIFECYCLE|Command failed|npm (error|ERR!)|^\s*at /m;

/** Runs `npx faultline …` from the repository root, as the README says; resolves once its output is all read. */
function npxFaultline(args: string[], env: Record<string, string>) {
  const child = spawn('npx', ['faultline', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal gives a command: Ctrl-C signals the whole group.
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, output: () => out, closed };
}

beforeAll(() => {
  // The bin runs the compiled CLI: build it (incremental, a no-op when up to date).
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'ignore' });
}, 300_000);

describe('npx faultline prints only what Faultline prints', () => {
  it('a deliberate non-zero exit: the exit code and the message, nothing after', async () => {
    const run = npxFaultline(['health'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(await run.closed).toBe(4);
    expect(run.output()).toMatch(/^faultline health: .*Redis/m);
    expect(run.output()).not.toMatch(NOISE);
  }, 60_000);

  it('an unknown command: exit 3 with the usage, nothing after', async () => {
    const run = npxFaultline(['no-such-command'], {});
    expect(await run.closed).toBe(3);
    expect(run.output()).toContain('faultline: unknown command "no-such-command"');
    expect(run.output()).not.toMatch(NOISE);
  }, 60_000);

  it('Ctrl-C on faultline start: everything stops, and npx adds no line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-npx-'));
    const run = npxFaultline(['start'], {
      FAULTLINE_DATA_DIR: join(dir, 'data'),
      FAULTLINE_REDIS_PORT: String(await freePort()),
      ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
      MAILBOX_DIR: join(dir, 'logs', 'mail'),
      HEALTH_PORT: String(await freePort()),
      ALERTER_HEALTH_PORT: String(await freePort()),
      OPS_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
    });
    try {
      await pollUntil(
        'every service ready',
        () => run.output().includes('all services ready') || run.child.exitCode !== null,
        { timeoutMs: 90_000 },
      );
      process.kill(-run.child.pid!, 'SIGINT');
      // npx itself dies of the SIGINT, as any program without a handler does (the shell shows ^C);
      // its output closes once the supervisor and every service it shares it with have exited.
      await run.closed;
      expect(run.output()).toMatch(/\[faultline\] {5}stopped\n$/);
      expect(run.output()).not.toMatch(NOISE);
    } finally {
      try {
        process.kill(-run.child.pid!, 'SIGKILL');
      } catch {}
    }
  }, 150_000);
});
