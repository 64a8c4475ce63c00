/**
 * 1,000 models probed every 10 s against the simulator: probes per second sustained, schedule drift
 * (lateness of each probe against its due time), Redis memory per model, and the worker's CPU, after
 * the same figures for raw BullMQ job schedulers with a no-op worker in the same Redis.
 * Run: node --conditions=development --import tsx bench/health-probe.ts [models] [seconds]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthProbe } from '@faultline/health-probe-worker';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { fmt, startSimulatorProcess } from './support.ts';

const MODELS = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 40);
const INTERVAL_MS = 10_000;
// Redis as infra/redis.conf runs it (AOF, fsync every second), for the raw baseline and Faultline alike.
const redis = await startTestRedis({ fsync: 'everysec' });
const sim = await startSimulatorProcess();
const admin = new Redis(redis.url);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);

const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
const models = Array.from({ length: MODELS }, (_, i) => ({
  id: `bench-model-${i}`,
  provider: 'openai',
  interval: INTERVAL_MS,
}));
writeFileSync(join(dir, 'models.json'), JSON.stringify({ models }));
const env = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: '{bench-h}',
  FAULTLINE_MODELS_FILE: join(dir, 'models.json'),
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: `${sim.url}/v1`,
  PROBE_CONCURRENCY: '100',
  HEALTH_PORT: '0',
};
console.log(
  `health-probe bench: ${fmt(MODELS)} models every ${INTERVAL_MS / 1000} s, ${SECONDS} s each for a raw BullMQ baseline and Faultline`,
);

/** Steady-state figures of a worker running MODELS schedulers: the first round starts all at once, so it is skipped. */
async function measure(worker: Worker) {
  const lateness: number[] = [];
  let probes = 0;
  worker.on('active', (job) => {
    lateness.push(Date.now() - (job.timestamp + (job.opts.delay ?? 0)));
  });
  worker.on('completed', () => {
    probes++;
  });
  await new Promise((r) => setTimeout(r, INTERVAL_MS + 2000));
  lateness.length = 0;
  probes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, (SECONDS - 12) * 1000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = lateness.sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { rate: probes / wall, p50: p(0.5), p99: p(0.99), cores: (cpu.user + cpu.system) / 1e6 / wall };
}

// Raw baseline: the same schedulers with a no-op worker, in the same Redis, before Faultline runs.
const rawQueue = new Queue('raw-probes', { connection: { url: redis.url }, prefix: '{bench-raw}' });
const rawBefore = await usedMemory();
for (const m of models)
  await rawQueue.upsertJobScheduler(
    m.id,
    { every: INTERVAL_MS },
    { name: 'probe', opts: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } } },
  );
const rawWorker = new Worker('raw-probes', async () => null, {
  connection: { url: redis.url },
  prefix: '{bench-raw}',
  concurrency: 100,
});
const raw = await measure(rawWorker);
const rawBytes = (await usedMemory()) - rawBefore;
await rawWorker.close();
await rawQueue.obliterate({ force: true });
await rawQueue.close();

const before = await usedMemory();
const probe = await startHealthProbe(loadConfig(HealthProbeConfig, env), env, pino({ level: 'silent' }));
const fl = await measure(probe.worker);
const after = await usedMemory();
const expected = MODELS / (INTERVAL_MS / 1000);
console.log(
  `  raw BullMQ schedulers, no-op worker: ${fmt(raw.rate)} /s (expected ${fmt(expected)} /s), lateness p50 ${raw.p50} ms, p99 ${raw.p99} ms, ${fmt(rawBytes / MODELS)} bytes of Redis each, ${raw.cores.toFixed(2)} cores`,
);
console.log(`  Faultline probes: ${fmt(fl.rate)} /s sustained, ${(fl.rate / raw.rate).toFixed(2)} of raw`);
console.log(`  schedule lateness: p50 ${fl.p50} ms, p99 ${fl.p99} ms (target p99 < 1000 ms)`);
console.log(`  Redis memory: ${fmt((after - before) / MODELS)} bytes per model (target < 10 KB)`);
console.log(`  worker CPU: ${fl.cores.toFixed(2)} cores (target < 0.5)`);
await probe.close();
admin.disconnect();
sim.stop();
await redis.close();
process.exit(0);
