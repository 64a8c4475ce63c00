import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pollUntil } from './poll-until.ts';

/** The repository root, where `node --conditions=development --import tsx <entry>` runs a service as a container would. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface RepoProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs a TypeScript entry of this repository as its own process, with only PATH, HOME and `env`. */
export function runRepoProcess(args: string[], env: Record<string, string>): RepoProcess {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Starts a service process and waits for its ready line; fails with its output if it exits first. */
export async function startRepoService(
  entry: string,
  env: Record<string, string>,
  readyText: string,
): Promise<RepoProcess> {
  // The ready line is an info log, whatever level the test asked for.
  const proc = runRepoProcess([entry], { ...env, LOG_LEVEL: 'info' });
  await pollUntil(
    `${entry} to say "${readyText}"`,
    () => proc.output().includes(readyText) || proc.child.exitCode !== null,
    {
      timeoutMs: 30_000,
    },
  );
  if (!proc.output().includes(readyText))
    throw new Error(`${entry} exited before it was ready:\n${proc.output()}`);
  return proc;
}
