/**
 * 1,000 models probed every 10 s against the simulator: probes per second sustained, schedule drift
 * (lateness of each probe against its due time), Redis memory per model, and the worker's CPU.
 * Run: node --import tsx bench/health-probe.ts [models] [seconds]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthProbe } from '@faultline/health-probe-worker';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
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
console.log(`health-probe bench: ${fmt(MODELS)} models every ${INTERVAL_MS / 1000} s, ${SECONDS} s`);
const before = await usedMemory();
const probe = await startHealthProbe(loadConfig(HealthProbeConfig, env), env, pino({ level: 'silent' }));
const lateness: number[] = [];
let probes = 0;
probe.worker.on('active', (job) => {
  const due = job.timestamp + (job.opts.delay ?? 0);
  lateness.push(Date.now() - due);
});
probe.worker.on('completed', () => {
  probes++;
});
// The first round starts all at once; measure the steady state after it.
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
const after = await usedMemory();
console.log(
  `  probes: ${fmt(probes / wall)} /s sustained (expected ${fmt(MODELS / (INTERVAL_MS / 1000))} /s)`,
);
console.log(`  schedule lateness: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms (target p99 < 1000 ms)`);
console.log(`  Redis memory: ${fmt((after - before) / MODELS)} bytes per model (target < 10 KB)`);
console.log(`  worker CPU: ${((cpu.user + cpu.system) / 1e6 / wall).toFixed(2)} cores (target < 0.5)`);
await probe.close();
admin.disconnect();
sim.stop();
await redis.close();
process.exit(0);
