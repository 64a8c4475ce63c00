import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * `npx … faultline start` runs the supervisor under npx → pnpm → sh -c, and neither npx nor pnpm
 * passes SIGTERM on: `kill <npx pid>` (what a process manager does) would leave the supervisor,
 * every service and redis-server running. So the supervisor notes its wrapper ancestors at start
 * and stops, as on SIGTERM, when one of them is gone.
 */

interface ProcessInfo {
  ppid: number;
  argv: string[];
  /** Linux: start time in clock ticks, so a reused pid is not mistaken for the one we saw. */
  started?: string;
}

function readProc(pid: number): (ProcessInfo & { zombie: boolean }) | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields count from its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { ppid: Number(fields[1]), argv, started: fields[19], zombie: fields[0] === 'Z' };
  } catch {
    return null;
  }
}

const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function processInfo(pid: number): ProcessInfo | null {
  if (HAS_PROC) {
    const info = readProc(pid);
    return info && !info.zombie ? info : null;
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,stat=,command=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const m = /^(\d+)\s+(\S+)\s+(.*)$/.exec(out);
    if (!m || m[2]!.startsWith('Z')) return null;
    return { ppid: Number(m[1]), argv: m[3]!.split(/\s+/) };
  } catch {
    return null;
  }
}

const NODE_TOOLS = /^(node|nodejs|npm|npx|pnpm|pnpx|yarn|corepack)(\.exe|\.cjs|\.js)?$/;
const SHELLS = /^(sh|dash|bash|zsh)$/;

/**
 * A process that only runs the next one: node/npm/npx/pnpm (npx shows up as "npm exec …"), or a
 * shell given a command (`sh -c …`). An interactive shell or a process manager is not one: the
 * walk up stops there.
 */
export function isWrapper(argv: string[]): boolean {
  const cmd = basename(argv[0] ?? '');
  if (NODE_TOOLS.test(cmd) || cmd === 'npm exec' || /^npm (exec|run)/.test(argv.join(' '))) return true;
  return SHELLS.test(cmd) && argv.includes('-c');
}

/** The wrapper processes above this one, nearest first. */
export function wrapperAncestors(pid = process.pid, maxDepth = 8): { pid: number; started?: string }[] {
  const chain: { pid: number; started?: string }[] = [];
  let info = processInfo(pid);
  while (info && chain.length < maxDepth && info.ppid > 1) {
    const parent = processInfo(info.ppid);
    if (!parent || !isWrapper(parent.argv)) break;
    chain.push({ pid: info.ppid, started: parent.started });
    info = parent;
  }
  return chain;
}

/** Calls onGone once, when any of the wrapper ancestors seen now has exited. Returns a stop function. */
export function watchAncestors(onGone: (pid: number) => void, everyMs = 500): () => void {
  const chain = wrapperAncestors();
  if (!chain.length) return () => {};
  const timer = setInterval(() => {
    for (const a of chain) {
      const now = processInfo(a.pid);
      if (!now || (a.started !== undefined && now.started !== a.started)) {
        clearInterval(timer);
        onGone(a.pid);
        return;
      }
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
