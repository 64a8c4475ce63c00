/**
 * Jobs per second through the generation worker against the simulator (zero latency), beside a raw
 * BullMQ no-op worker at the same concurrency in the same run. Run: node --import tsx bench/generation.ts [jobs]
 */

import { startGenerationWorker } from '@faultline/generation-worker';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { drain, fmt, startSimulatorProcess } from './support.ts';

const N = Number(process.argv[2] ?? 20_000);
const cpuPerJob = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / N);
};
const CONCURRENCY = 50;
// Redis as infra/redis.conf runs it (AOF, fsync every second), for the raw baseline and Faultline alike.
const redis = await startTestRedis({ fsync: 'everysec' });
const sim = await startSimulatorProcess();
const connection = { url: redis.url };

console.log(`generation bench: ${fmt(N)} jobs, concurrency ${CONCURRENCY}, simulator at zero latency`);

const rawQueue = new Queue('raw', { connection, prefix: '{bench}' });
const raw = new Worker('raw', async () => null, {
  connection,
  prefix: '{bench}',
  concurrency: CONCURRENCY,
  autorun: false,
});
let cpu = process.cpuUsage();
const rawRate = await drain(rawQueue, raw, N, (i) => ({ i }));
const rawCpu = cpuPerJob(cpu);
await raw.close();
await rawQueue.close();
console.log(
  `  raw BullMQ no-op worker: ${fmt(rawRate)} jobs/s, ${rawCpu} µs CPU per job in the worker process`,
);

const env = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: '{bench}',
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: `${sim.url}/v1`,
  GENERATION_CONCURRENCY: String(CONCURRENCY),
  LOG_LEVEL: 'silent',
};
const gen = startGenerationWorker(loadConfig(GenerationConfig, env), env, pino({ level: 'silent' }), {
  autorun: false,
});
const genQueue = new Queue('generation', { connection, prefix: '{bench}' });
cpu = process.cpuUsage();
const genRate = await drain(genQueue, gen.worker, N, (i) => ({
  provider: 'openai',
  model: 'bench',
  messages: [{ role: 'user', content: `hello ${i}` }],
}));
console.log(
  `  generation worker:       ${fmt(genRate)} jobs/s, ${cpuPerJob(cpu)} µs CPU per job in the worker process`,
);
console.log(`  ratio: ${(genRate / rawRate).toFixed(2)} of raw (target >= 0.40)`);
console.log(`  memory: rss ${fmt(process.memoryUsage().rss / 1048576)} MiB`);

await gen.close(1000);
await genQueue.close();
sim.stop();
await redis.close();
