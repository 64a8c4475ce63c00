/**
 * Jobs per second through the generation worker against the simulator (zero latency), beside a raw
 * BullMQ no-op worker at the same concurrency in the same run. Run: node --import tsx bench/generation.ts [jobs]
 */

import { startGenerationWorker } from '@faultline/generation-worker';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { alternatingRounds, drain, fmt, rawPass, startSimulatorProcess } from './support.ts';

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

const median = await alternatingRounds({
  rounds: ROUNDS,
  warmup: WARMUP,
  n: N,
  raw: (n) => measured(n, () => rawPass(connection, n, CONCURRENCY, (i) => ({ i }))),
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
  line: (_round, raw, gen) =>
    `raw BullMQ no-op ${fmt(raw.rate)} jobs/s (${raw.cpu} µs CPU/job), generation worker ${fmt(gen.rate)} jobs/s (${gen.cpu} µs CPU/job)`,
});
console.log(`  ratio: ${median.toFixed(2)} of raw, median of ${ROUNDS} rounds (target >= 0.40)`);
console.log(`  memory: rss ${fmt(process.memoryUsage().rss / 1048576)} MiB`);

sim.stop();
await redis.close();
