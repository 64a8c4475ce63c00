/**
 * Memory under a long outage: SOAK_JOBS failing jobs (100,000) naming SOAK_MODELS distinct models
 * (10,000) and one 20 MB prompt, through generation worker processes and an alerter process, against
 * the simulator answering 500 to everything. Prints Redis's used_memory and each worker's RSS before,
 * while the jobs run (every tenth of them), after they and their alerts are done, and once the alert
 * groups have flushed; the goal is memory that stops growing once retention holds (every kept set
 * bounded by age and count, traffic-only health by MODEL_HEALTH_TTL). Never fails: it prints figures.
 *
 * Run: node --conditions=development --import tsx bench/soak.ts
 *   SOAK_JOBS=20000 (scale down), SOAK_MODELS, SOAK_WORKERS (generation processes, 1),
 *   SOAK_CONCURRENCY (per process, 50), SOAK_BACKLOG (jobs waiting at most, 5000),
 *   SOAK_ALERT_EVENTS_KEPT (the workers' ALERT_EVENTS_KEPT; their default unless set).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGenerationClient } from '@faultline/client';
import { JOB_NAMES, QUEUES, redisKeys } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { fmt, ROOT } from './support.ts';

const JOBS = Number(process.env.SOAK_JOBS ?? 100_000);
const MODELS = Number(process.env.SOAK_MODELS ?? 10_000);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 1);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
const BACKLOG = Number(process.env.SOAK_BACKLOG ?? 5_000);
/** ALERT_EVENTS_KEPT for the generation workers: its default (100,000) unless set, to watch it bind. */
const EVENTS_KEPT = process.env.SOAK_ALERT_EVENTS_KEPT;
const PREFIX = '{soak}';
const MiB = 1_048_576;

const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)}s`.padStart(5);
const dir = mkdtempSync(join(tmpdir(), 'faultline-soak-'));
// Redis as infra/redis.conf runs it: AOF, fsync every second.
const redis = await startTestRedis({ fsync: 'everysec' });
const conn = new Redis(redis.url);
const children: ChildProcess[] = [];

/** A repository entry as its own process (node --import tsx), its output dropped: one line per failure. */
function start(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

const sim = spawn(
  process.execPath,
  ['--conditions=development', '--import', 'tsx', 'bench/soak-simulator.ts'],
  {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
children.push(sim);
const simUrl = await new Promise<string>((resolve, reject) => {
  sim.stdout!.once('data', (d) => resolve(String(d).trim()));
  sim.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
});

const shared = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: PREFIX,
  // Warnings are one line per failed attempt: 100,000 of them would measure the log pipe.
  LOG_LEVEL: 'error',
  LOG_FORMAT: 'json',
};
const generationEnv = {
  ...shared,
  OPENAI_API_KEY: 'sk-soak',
  OPENAI_BASE_URL: `${simUrl}/v1`,
  GENERATION_CONCURRENCY: String(CONCURRENCY),
  ...(EVENTS_KEPT ? { ALERT_EVENTS_KEPT: EVENTS_KEPT } : {}),
};
const generation = Array.from({ length: WORKERS }, () =>
  start('services/generation-worker/src/main.ts', generationEnv),
);
const alerter = start('services/alerter-worker/src/main.ts', {
  ...shared,
  ALERTER_HEALTH_PORT: '0',
  ENABLE_EMAIL_ALERTS: 'false',
  ALERT_FILE_PATH: join(dir, 'alerts.log'),
});

const connection = { url: redis.url };
const queue = new Queue(QUEUES.generation, { connection, prefix: PREFIX });
const alerts = new Queue(QUEUES.alerts, { connection, prefix: PREFIX });
const groups = new Queue(QUEUES.alertGroups, { connection, prefix: PREFIX });
const deliveries = new Queue(QUEUES.alertDeliveries, { connection, prefix: PREFIX });
for (const q of [queue, alerts]) {
  const deadline = Date.now() + 60_000;
  while ((await q.getWorkersCount()) < (q === queue ? WORKERS : 1)) {
    if (Date.now() > deadline) throw new Error(`no worker on ${q.name} after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rssMiB = (child: ChildProcess) => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
};
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await conn.info('memory'))?.[1]) / MiB;
/** Jobs added and no longer waiting or running: kept ones are capped, so they cannot be counted. */
const left = async () =>
  (await queue.getWaitingCount()) + (await queue.getActiveCount()) + (await queue.getDelayedCount());

interface Sample {
  phase: string;
  jobs: number;
  redisMiB: number;
  keys: number;
  generationMiB: number;
  alerterMiB: number;
}
const samples: Sample[] = [];
async function sample(phase: string, jobs: number): Promise<Sample> {
  const s = {
    phase,
    jobs,
    redisMiB: await usedMemory(),
    keys: await conn.dbsize(),
    generationMiB: Math.max(...generation.map(rssMiB)),
    alerterMiB: rssMiB(alerter),
  };
  samples.push(s);
  console.log(
    `${elapsed()} ${phase.padEnd(22)} ${fmt(jobs).padStart(7)} jobs  redis ${s.redisMiB.toFixed(1).padStart(6)} MiB ` +
      `(${fmt(s.keys)} keys)  generation rss ${s.generationMiB.toFixed(0)} MiB  alerter rss ${s.alerterMiB.toFixed(0)} MiB`,
  );
  return s;
}

console.log(
  `soak: ${fmt(JOBS)} failing jobs over ${fmt(MODELS)} models and one 20 MB prompt; ${WORKERS} generation ` +
    `process(es) x ${CONCURRENCY}, one alerter; simulator answers 500 to everything`,
);
await sample('before', 0);

// The 20 MB prompt: refused by the client at enqueue; pushed raw past it, failed by the worker and
// kept only as a summary.
const client = createGenerationClient({ redisUrl: redis.url, prefix: PREFIX });
const huge = {
  provider: 'openai',
  model: 'soak-huge',
  messages: [{ role: 'user' as const, content: 'x'.repeat(20 * MiB) }],
};
const refused = await client.enqueueGeneration(huge).then(
  () => 'accepted (!)',
  (error: Error) => `refused: ${error.message.slice(0, 110)}`,
);
console.log(`${elapsed()} client, 20 MB prompt     ${refused}`);
const raw = await queue.add(JOB_NAMES.generate, huge, { attempts: 1 });
await sample('20 MB job queued', 0);
for (const deadline = Date.now() + 120_000; !(await raw.isFailed()) && Date.now() < deadline; )
  await new Promise((r) => setTimeout(r, 100));
const kept = (await conn.hget(`${PREFIX}:${QUEUES.generation}:${raw.id}`, 'data')) ?? '';
console.log(`${elapsed()} worker, 20 MB prompt     failed: kept ${fmt(kept.length)} bytes of it in Redis`);
await sample('20 MB job failed', 0);

const job = (i: number) => ({
  name: JOB_NAMES.generate,
  data: {
    provider: 'openai',
    model: `soak-model-${i % MODELS}`,
    messages: [{ role: 'user', content: `soak prompt ${i}: summarise the incident report in one line` }],
  },
  opts: { attempts: 1 },
});
let added = 0;
let nextSample = JOBS / 10;
while (added < JOBS) {
  if ((await queue.getWaitingCount()) > BACKLOG) {
    await new Promise((r) => setTimeout(r, 50));
  } else {
    const n = Math.min(1000, JOBS - added);
    await queue.addBulk(Array.from({ length: n }, (_, k) => job(added + k)));
    added += n;
  }
  const processed = added - (await left());
  if (processed >= nextSample) {
    await sample('during', processed);
    nextSample += JOBS / 10;
  }
}
for (;;) {
  const waiting = await left();
  if (waiting === 0) break;
  const processed = added - waiting;
  if (processed >= nextSample) {
    await sample('during', processed);
    nextSample += JOBS / 10;
  }
  await new Promise((r) => setTimeout(r, 200));
}
await sample('jobs done', JOBS);
for (;;) {
  const left =
    (await alerts.getWaitingCount()) + (await alerts.getActiveCount()) + (await alerts.getDelayedCount());
  if (left === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
await sample('alert events taken in', JOBS);
// Groups flush after ALERT_GROUP_WAIT (10 s), then their deliveries run; what stays delayed is due
// later (the quiet sweep, the hourly cap's summary).
for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
  const [g, d] = await Promise.all(
    [groups, deliveries].map(async (q) => (await q.getWaitingCount()) + (await q.getActiveCount())),
  );
  const soon = (await groups.getDelayed(0, 1000)).filter((j) => j.timestamp + j.delay < Date.now() + 60_000);
  if (g === 0 && d === 0 && soon.length <= 1) break;
  await new Promise((r) => setTimeout(r, 500));
}
const after = await sample('groups flushed', JOBS);

const keys = redisKeys(PREFIX);
const healthKeys = (await conn.keys(`${PREFIX}:health:*`)).length;
const healthTtls = await Promise.all(
  (await conn.keys(`${PREFIX}:health:*`)).slice(0, 200).map((k) => conn.pttl(k)),
);
const counts = {
  'generation jobs kept: failed': await queue.getFailedCount(),
  'alert events kept: completed': await alerts.getCompletedCount(),
  'alert events kept: failed': await alerts.getFailedCount(),
  'alert groups': await conn.zcard(keys.alertGroupIndex()),
  'deliveries kept': (await deliveries.getCompletedCount()) + (await deliveries.getFailedCount()),
  'model health keys': healthKeys,
  'of 200 sampled, with a TTL': healthTtls.filter((t) => t > 0).length,
  'health index (traffic)': await conn.zcard(keys.modelHealthIndex('traffic')),
};
console.log('\nwhat Redis holds after the run:');
for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(36)} ${fmt(n)}`);

/** Average MEMORY USAGE of up to 50 keys matching `pattern`, in bytes. */
async function bytesEach(pattern: string): Promise<number> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await conn.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0' && found.length < 50);
  const sizes = await Promise.all(found.slice(0, 50).map((k) => conn.memory('USAGE', k, 'SAMPLES', 0)));
  return sizes.length ? sizes.reduce((a: number, b) => a + Number(b), 0) / sizes.length : 0;
}
const each = {
  'failed generation job': await bytesEach(`${PREFIX}:${QUEUES.generation}:[0-9]*`),
  'completed alert event': await bytesEach(`${PREFIX}:${QUEUES.alerts}:gen-*`),
  'model health key': await bytesEach(`${PREFIX}:health:openai/*`),
  'alert group hash': await bytesEach(`${PREFIX}:alert-group:*`),
};
console.log('\nbytes per kept item (MEMORY USAGE of the key alone, average of up to 50):');
for (const [what, n] of Object.entries(each)) console.log(`  ${what.padEnd(36)} ${fmt(n)}`);
const during = samples.filter((s) => s.phase === 'during');
const half = during[Math.floor(during.length / 2) - 1];
const last = during[during.length - 1];
if (half && last && last.jobs > half.jobs) {
  const perK = ((last.redisMiB - half.redisMiB) / (last.jobs - half.jobs)) * 1000;
  console.log(
    `\nRedis grew ${perK.toFixed(3)} MiB per 1,000 jobs over the second half (${fmt(half.jobs)} to ` +
      `${fmt(last.jobs)} jobs); ${after.redisMiB.toFixed(1)} MiB at the end, from ${samples[0]!.redisMiB.toFixed(1)} before`,
  );
}
console.log(
  `generation worker rss: ${samples[0]!.generationMiB.toFixed(0)} MiB before, peak ${Math.max(...samples.map((s) => s.generationMiB)).toFixed(0)}, ` +
    `${after.generationMiB.toFixed(0)} after; alerter rss: ${samples[0]!.alerterMiB.toFixed(0)} before, peak ` +
    `${Math.max(...samples.map((s) => s.alerterMiB)).toFixed(0)}, ${after.alerterMiB.toFixed(0)} after; ${elapsed().trim()} in all`,
);

await client.close();
await Promise.all([queue, alerts, groups, deliveries].map((q) => q.close()));
for (const child of children) child.kill('SIGTERM');
await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
conn.disconnect();
await redis.close();
rmSync(dir, { recursive: true, force: true });
