// Memory of `faultline start` at rest and each service's start time, compiled JavaScript against tsx.
//   node --conditions=development --import tsx bench/runtime.ts
// Targets: the whole `faultline start` (supervisor, four services, redis-server, anything they spawn)
// under 500 MiB resident at rest; each service ready within 2 s of its spawn.
// RUNTIME_REST_SECONDS (default 20) is how long the system idles before its memory is read;
// RUNTIME_START_RUNS (default 3) how many starts of each service the median is taken over;
// RUNTIME_WAYS (default tsx,compiled) which ways to measure; RUNTIME_NODE_OPTIONS, NODE_OPTIONS for every
// process of a run, to weigh a V8 setting (e.g. --max-semi-space-size=4).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, pollUntil, startTestRedis } from '@faultline/testkit';
import { ROOT } from './support.ts';

const REST_SECONDS = Number(process.env.RUNTIME_REST_SECONDS ?? 20);
const START_RUNS = Number(process.env.RUNTIME_START_RUNS ?? 3);
const TARGET_TOTAL_MIB = 500;
const TARGET_START_MS = 2_000;

const SERVICES = {
  'generation-worker': 'generation worker ready',
  'alerter-worker': 'alerter worker ready',
  'health-probe-worker': 'health-probe worker ready',
  ops: 'ops ready',
} as const;
type Service = keyof typeof SERVICES;

/** The two ways to run the code: node's arguments for the CLI and for one service. */
const WAYS = {
  tsx: {
    cli: ['--conditions=development', '--import', 'tsx', 'packages/cli/src/main.ts'],
    service: (s: Service) => ['--conditions=development', '--import', 'tsx', `services/${s}/src/main.ts`],
  },
  compiled: {
    cli: ['packages/cli/dist/main.js'],
    service: (s: Service) => [`services/${s}/dist/main.js`],
  },
} as const;
type Way = keyof typeof WAYS;

const mib = (kib: number) => kib / 1024;
const fmt = (n: number) => n.toFixed(1).padStart(7);

function ensureBuilt() {
  const entries = [
    'packages/cli/dist/main.js',
    ...Object.keys(SERVICES).map((s) => `services/${s}/dist/main.js`),
  ];
  if (entries.every((e) => existsSync(join(ROOT, e)))) return;
  console.log('dist/ missing: pnpm build');
  const built = spawnSync('npx', ['-y', 'pnpm@10.34.9', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('pnpm build failed: the compiled side cannot be measured');
}

/** Settings that keep a run's files, ports and Redis to itself: nothing under ./data or ./logs. */
async function isolatedEnv(dir: string): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    FAULTLINE_DATA_DIR: join(dir, 'data'),
    FAULTLINE_REDIS_PORT: String(await freePort()),
    ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
    MAILBOX_DIR: join(dir, 'logs', 'mail'),
    HEALTH_PORT: String(await freePort()),
    ALERTER_HEALTH_PORT: '0',
    OPS_PORT: String(await freePort()),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    ...(process.env.RUNTIME_NODE_OPTIONS ? { NODE_OPTIONS: process.env.RUNTIME_NODE_OPTIONS } : {}),
  };
}

interface ProcInfo {
  pid: number;
  ppid: number;
  name: string;
  what: string;
  rssKib: number;
  pssKib: number;
}

function procInfo(pid: number): ProcInfo | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1] ?? '0';
    // Proportional set size: shared pages (the node binary, mapped by five processes) counted once overall.
    let pssKib = 0;
    try {
      pssKib = Number(/^Pss:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {}
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const entry = argv.find((a) => /(main|service-entry)\.(ts|js)$/.test(a));
    return {
      pid,
      ppid: Number(field('PPid')),
      name: field('Name'),
      what: entry ?? argv.slice(0, 2).join(' ').slice(0, 60),
      rssKib: Number(field('VmRSS')),
      pssKib,
    };
  } catch {
    return null; // exited while we looked
  }
}

/** `root` and every process below it, read from /proc. */
function processTree(root: number): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procInfo(Number(d)))
    .filter((p): p is ProcInfo => p !== null);
  const tree: ProcInfo[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    const p = all.find((x) => x.pid === pid);
    if (p) tree.push(p);
    for (const child of all.filter((x) => x.ppid === pid)) queue.push(child.pid);
  }
  return tree;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals, tree: number[]) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timedOut = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
  if (timedOut)
    for (const pid of tree)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
}

interface SystemFigures {
  totalRssMib: number;
  totalPssMib: number;
}

/** `faultline start` with its own redis-server, idle for REST_SECONDS, then its whole process tree's memory. */
async function measureSystem(way: Way): Promise<SystemFigures> {
  const dir = mkdtempSync(join(tmpdir(), `faultline-runtime-${way}-`));
  const child = spawn(process.execPath, [...WAYS[way].cli, 'start'], {
    cwd: ROOT,
    env: await isolatedEnv(dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  let pids: number[] = [];
  try {
    await pollUntil(
      `faultline start (${way}) to say "all services ready"`,
      () => out.includes('all services ready') || child.exitCode !== null,
      { timeoutMs: 120_000 },
    );
    if (!out.includes('all services ready')) throw new Error(`faultline start (${way}) exited:\n${out}`);
    await sleep(REST_SECONDS * 1000);
    const tree = processTree(child.pid!);
    pids = tree.map((p) => p.pid);
    console.log(`\n${way}: faultline start after ${REST_SECONDS} s at rest`);
    console.log(`  ${'pid'.padStart(7)} ${'RSS MiB'.padStart(7)} ${'PSS MiB'.padStart(7)}  process`);
    for (const p of tree)
      console.log(
        `  ${String(p.pid).padStart(7)} ${fmt(mib(p.rssKib))} ${fmt(mib(p.pssKib))}  ${p.name}: ${p.what}`,
      );
    const totalRssMib = mib(tree.reduce((s, p) => s + p.rssKib, 0));
    const totalPssMib = mib(tree.reduce((s, p) => s + p.pssKib, 0));
    console.log(
      `  ${'total'.padStart(7)} ${fmt(totalRssMib)} ${fmt(totalPssMib)}  (${tree.length} processes)`,
    );
    return { totalRssMib, totalPssMib };
  } finally {
    await stop(child, 'SIGINT', pids);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from spawning one service with plain node to its ready line, against `redisUrl`. */
async function timeServiceStart(way: Way, service: Service, redisUrl: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `faultline-runtime-start-`));
  const env = { ...(await isolatedEnv(dir)), REDIS_URL: redisUrl };
  const started = performance.now();
  const child = spawn(process.execPath, WAYS[way].service(service), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let readyAt = 0;
  child.stdout!.on('data', (d) => {
    out += d;
    if (!readyAt && out.includes(SERVICES[service])) readyAt = performance.now();
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  try {
    await pollUntil(`${service} (${way}) to be ready`, () => readyAt > 0 || child.exitCode !== null, {
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    if (!readyAt) throw new Error(`${service} (${way}) exited before it was ready:\n${out}`);
    return readyAt - started;
  } finally {
    await stop(child, 'SIGTERM', []);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const ways = (process.env.RUNTIME_WAYS ?? 'tsx,compiled').split(',') as Way[];
  if (ways.includes('compiled')) ensureBuilt();
  console.log(
    `Node ${process.version}${process.env.RUNTIME_NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.RUNTIME_NODE_OPTIONS}` : ''}`,
  );
  const system: Partial<Record<Way, SystemFigures>> = {};
  for (const way of ways) system[way] = await measureSystem(way);

  const redis = await startTestRedis({ fsync: 'everysec' });
  const starts: Record<Way, Record<string, number[]>> = { tsx: {}, compiled: {} };
  try {
    for (const service of Object.keys(SERVICES) as Service[])
      for (const way of ways) {
        const runs: number[] = [];
        for (let i = 0; i < START_RUNS; i++) runs.push(await timeServiceStart(way, service, redis.url));
        starts[way][service] = runs;
      }
  } finally {
    await redis.close();
  }

  const cells = (values: (number | undefined)[], show: (n: number) => string, width: number) => {
    const [a, b] = values;
    const ratio = a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : '';
    return `${values.map((v) => (v === undefined ? '-' : show(v)).padStart(width)).join(' ')} ${ratio.padStart(6)}`;
  };
  const both = ['tsx', 'compiled'] as const;
  console.log('\nfaultline start, resident memory of the whole process tree at rest (MiB)');
  console.log(`  ${''.padEnd(22)} ${'tsx'.padStart(8)} ${'compiled'.padStart(8)} ${'ratio'.padStart(6)}`);
  const mem = (label: string, pick: (f: SystemFigures) => number) =>
    console.log(
      `  ${label.padEnd(22)} ${cells(
        both.map((w) => (system[w] ? pick(system[w]!) : undefined)),
        (n) => n.toFixed(1),
        8,
      )}`,
    );
  mem('RSS, summed', (f) => f.totalRssMib);
  mem('PSS (shared once)', (f) => f.totalPssMib);
  console.log(`\nstart of each service, spawn to ready line, median of ${START_RUNS} (max) in ms`);
  console.log(`  ${''.padEnd(22)} ${'tsx'.padStart(14)} ${'compiled'.padStart(14)} ${'ratio'.padStart(6)}`);
  let slowest = 0;
  for (const service of Object.keys(SERVICES)) {
    const runs = both.map((w) => starts[w][service]);
    slowest = Math.max(slowest, ...(starts.compiled[service] ?? []));
    const [t, c] = runs.map((xs) => (xs ? median(xs) : undefined));
    // Each median with the slowest of its runs beside it.
    const shown = runs.map((xs) =>
      (xs ? `${median(xs).toFixed(0)} (${Math.max(...xs).toFixed(0)})` : '-').padStart(14),
    );
    const ratio = t !== undefined && c !== undefined ? `${(t / c).toFixed(2)}x` : '';
    console.log(`  ${service.padEnd(22)} ${shown.join(' ')} ${ratio.padStart(6)}`);
  }
  if (!system.compiled) return;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `\ntarget: compiled total RSS < ${TARGET_TOTAL_MIB} MiB: ${system.compiled.totalRssMib.toFixed(0)} MiB, ${verdict(system.compiled.totalRssMib < TARGET_TOTAL_MIB)}`,
  );
  console.log(
    `target: each compiled service ready < ${TARGET_START_MS} ms: slowest ${slowest.toFixed(0)} ms, ${verdict(slowest < TARGET_START_MS)}`,
  );
}

await main();
