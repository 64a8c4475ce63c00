import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';

/*
 * A process exit handler is not enough to keep servers from outliving the test process: vitest
 * can end a worker with a signal, and CI runners SIGKILL hung jobs. So a small detached watchdog
 * holds a pipe from this process; when the pipe closes, however this process died, it kills every
 * child and removes every directory still registered.
 */
const WATCHDOG = `
const fs = require('node:fs');
const pids = new Set();
const dirs = new Set();
let pending = '';
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\\n');
  pending = lines.pop();
  for (const line of lines) {
    const set = line[1] === 'p' ? pids : dirs;
    const item = line[1] === 'p' ? Number(line.slice(2)) : line.slice(2);
    if (line[0] === '+') set.add(item); else set.delete(item);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

let watchdog: ChildProcess | undefined;
const children = new Set<ChildProcess>();
const dirs = new Set<string>();

function tellWatchdog(line: string): void {
  if (!watchdog) {
    const { NODE_OPTIONS: _, ...env } = process.env;
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env,
    });
    // Neither the watchdog nor its pipe may keep this process alive.
    watchdog.unref();
    (watchdog.stdin as unknown as Socket).unref();
    watchdog.stdin!.on('error', () => {});
    process.once('exit', () => {
      for (const child of children) child.kill('SIGKILL');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  watchdog.stdin!.write(`${line}\n`);
}

/** Registers a child process that must die with this process, whichever way this process ends. */
export function killWithThisProcess(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  children.add(child);
  tellWatchdog(`+p${pid}`);
  child.once('exit', () => {
    children.delete(child);
    tellWatchdog(`-p${pid}`);
  });
}

/** Registers a temporary directory to remove when this process ends; returns the call that unregisters it. */
export function removeWithThisProcess(dir: string): () => void {
  dirs.add(dir);
  tellWatchdog(`+d${dir}`);
  return () => {
    dirs.delete(dir);
    tellWatchdog(`-d${dir}`);
  };
}
