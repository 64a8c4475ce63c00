/**
 * Jobs per second through the generation worker against the simulator (zero latency), beside a raw
 * BullMQ no-op worker at the same concurrency in the same run. Between the two, a raw BullMQ worker
 * whose processor does nothing but the official SDK's call: what BullMQ plus the SDK cost before
 * any of Faultline's work, so the figures show which part stands in the way.
 * Run: node --conditions=development --import tsx bench/generation.ts [jobs]
 */

import { startGenerationWorker } from '@faultline/generation-worker';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { createProviderRegistry } from '@faultline/providers';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { type Job, Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { alternatingRounds, drain, fmt, median, rawPass, startSimulatorProcess } from './support.ts';

const N = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = 50;
// Redis as infra/redis.conf runs it (AOF, fsync every second), for the raw baseline and Faultline alike.
const redis = await startTestRedis({ fsync: 'everysec' });
const sim = await startSimulatorProcess();
const connection = { url: redis.url };

const ROUNDS = 3;
const WARMUP = 5000;
console.log(
  `generation bench: ${fmt(N)} jobs x ${ROUNDS} rounds after ${fmt(WARMUP)} warm-up jobs each, concurrency ${CONCURRENCY}, simulator at zero latency`,
);

const env = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: '{bench}',
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: `${sim.url}/v1`,
  GENERATION_CONCURRENCY: String(CONCURRENCY),
  LOG_LEVEL: 'silent',
};
const generationJob = (i: number) => ({
  provider: 'openai',
  model: 'bench',
  messages: [{ role: 'user', content: `hello ${i}` }],
});

/** Runs `pass` over `n` jobs and adds the worker process's CPU per job. */
async function measured(n: number, pass: () => Promise<number>): Promise<{ rate: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const rate = await pass();
  const used = process.cpuUsage(cpu);
  return { rate, cpu: Math.round((used.user + used.system) / n) };
}

const sdk = createProviderRegistry(env, { timeoutMs: 60_000 }).client('openai');
/** A raw BullMQ worker (defaults, like the no-op one) that makes the SDK call and returns its answer. */
async function sdkOnlyPass(n: number): Promise<number> {
  const queue = new Queue('sdk-only', { connection, prefix: '{bench}' });
  const worker = new Worker('sdk-only', (job: Job) => sdk.complete(job.data), {
    connection,
    prefix: '{bench}',
    concurrency: CONCURRENCY,
    autorun: false,
  });
  const rate = await drain(queue, worker, n, generationJob);
  await worker.close();
  await queue.close();
  return rate;
}

const sdkRatios: number[] = [];
const ratio = await alternatingRounds({
  rounds: ROUNDS,
  warmup: WARMUP,
  n: N,
  raw: (n) => measured(n, () => rawPass(connection, n, CONCURRENCY, (i) => ({ i }))),
  reference: (n) => measured(n, () => sdkOnlyPass(n)),
  ours: (n) =>
    measured(n, async () => {
      const gen = startGenerationWorker(loadConfig(GenerationConfig, env), env, pino({ level: 'silent' }), {
        autorun: false,
      });
      const queue = new Queue('generation', { connection, prefix: '{bench}' });
      const rate = await drain(queue, gen.worker, n, generationJob);
      await gen.close(1000);
      await queue.close();
      return rate;
    }),
  line: (_round, raw, gen, sdkOnly) => {
    sdkRatios.push(sdkOnly!.rate / raw.rate);
    return (
      `raw BullMQ no-op ${fmt(raw.rate)} jobs/s (${raw.cpu} µs CPU/job), ` +
      `raw BullMQ + SDK call only ${fmt(sdkOnly!.rate)} jobs/s (${sdkOnly!.cpu} µs), ` +
      `generation worker ${fmt(gen.rate)} jobs/s (${gen.cpu} µs)`
    );
  },
});
console.log(`  ratio: ${ratio.toFixed(2)} of raw, median of ${ROUNDS} rounds (target >= 0.40)`);
console.log(
  `  raw BullMQ + SDK call only: ${median(sdkRatios).toFixed(2)} of raw (median): the most any worker making the SDK's call can reach here`,
);
console.log(`  memory: rss ${fmt(process.memoryUsage().rss / 1048576)} MiB`);

sim.stop();
await redis.close();
