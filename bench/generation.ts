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

/** One measured pass of `n` jobs through a fresh worker; returns jobs/s and worker-process CPU per job. */
async function pass(kind: 'raw' | 'generation', n: number): Promise<{ rate: number; cpu: number }> {
  const cpu = process.cpuUsage();
  let rate: number;
  if (kind === 'raw') {
    const queue = new Queue('raw', { connection, prefix: '{bench}' });
    const worker = new Worker('raw', async () => null, {
      connection,
      prefix: '{bench}',
      concurrency: CONCURRENCY,
      autorun: false,
    });
    rate = await drain(queue, worker, n, (i) => ({ i }));
    await worker.close();
    await queue.close();
  } else {
    const gen = startGenerationWorker(loadConfig(GenerationConfig, env), env, pino({ level: 'silent' }), {
      autorun: false,
    });
    const queue = new Queue('generation', { connection, prefix: '{bench}' });
    rate = await drain(queue, gen.worker, n, generationJob);
    await gen.close(1000);
    await queue.close();
  }
  const used = process.cpuUsage(cpu);
  return { rate, cpu: Math.round((used.user + used.system) / n) };
}

// A long-running worker is warm: JIT, the SDK's lazy modules and keep-alive sockets are start-up costs.
await pass('raw', WARMUP);
await pass('generation', WARMUP);
// Alternating rounds, so a noisy neighbour on a 2-core machine hits both sides alike.
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const raw = await pass('raw', N);
  const gen = await pass('generation', N);
  ratios.push(gen.rate / raw.rate);
  console.log(
    `  round ${round}: raw BullMQ no-op ${fmt(raw.rate)} jobs/s (${raw.cpu} µs CPU/job), ` +
      `generation worker ${fmt(gen.rate)} jobs/s (${gen.cpu} µs CPU/job), ratio ${(gen.rate / raw.rate).toFixed(2)}`,
  );
}
const median = ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
console.log(`  ratio: ${median.toFixed(2)} of raw, median of ${ROUNDS} rounds (target >= 0.40)`);
console.log(`  memory: rss ${fmt(process.memoryUsage().rss / 1048576)} MiB`);

sim.stop();
await redis.close();
