import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Queue, Worker } from 'bullmq';

export const ROOT = resolve(import.meta.dirname, '..');

/** The provider simulator in its own process, as a real provider would be: it must not share our event loop. */
export async function startSimulatorProcess(): Promise<{ url: string; stop(): void; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      'packages/testkit/src/provider-simulator/main.ts',
      '--port',
      '0',
      '--no-record',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.on('exit', (code) => rej(new Error(`simulator exited with ${code}`)));
  });
  return { url, child, stop: () => child.kill('SIGTERM') };
}

/** Adds `n` jobs in bulk and resolves when `worker` has completed all of them; returns jobs per second. */
export async function drain(
  queue: Queue,
  worker: Worker,
  n: number,
  data: (i: number) => unknown,
): Promise<number> {
  let done = 0;
  let failed = 0;
  const finished = new Promise<void>((res) => {
    const tick = () => {
      if (done + failed >= n) res();
    };
    worker.on('completed', () => {
      done++;
      tick();
    });
    worker.on('failed', () => {
      failed++;
      tick();
    });
  });
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'job', data: data(i + k) })),
    );
  }
  const started = performance.now();
  worker.run().catch(() => {});
  await finished;
  const seconds = (performance.now() - started) / 1000;
  if (failed) console.warn(`  (${failed} of ${n} jobs failed)`);
  return n / seconds;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `n` jobs through a fresh raw BullMQ no-op worker: the baseline each bench runs beside its own worker. */
export async function rawPass(
  connection: { url: string },
  n: number,
  concurrency: number,
  data: (i: number) => unknown,
): Promise<number> {
  const queue = new Queue('raw', { connection, prefix: '{bench}' });
  const worker = new Worker('raw', async () => null, {
    connection,
    prefix: '{bench}',
    concurrency,
    autorun: false,
  });
  const rate = await drain(queue, worker, n, data);
  await worker.close();
  await queue.close();
  return rate;
}

/**
 * Both sides warmed up (JIT, lazy modules and keep-alive sockets are start-up costs, not a long-running
 * worker's rate), then alternating rounds, so a noisy neighbour on a 2-core machine hits both alike.
 * Prints each round; returns the median ratio of ours to raw.
 */
export async function alternatingRounds<R extends { rate: number }>(opts: {
  rounds: number;
  warmup: number;
  n: number;
  raw: (n: number) => Promise<R>;
  /** A third side run in each round between the two, when a bench has one (printed by `line`). */
  reference?: (n: number) => Promise<R>;
  ours: (n: number) => Promise<R>;
  line: (round: number, raw: R, ours: R, reference: R | undefined) => string;
}): Promise<number> {
  await opts.raw(opts.warmup);
  await opts.reference?.(opts.warmup);
  await opts.ours(opts.warmup);
  const ratios: number[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const raw = await opts.raw(opts.n);
    const reference = await opts.reference?.(opts.n);
    const ours = await opts.ours(opts.n);
    ratios.push(ours.rate / raw.rate);
    console.log(
      `  round ${round}: ${opts.line(round, raw, ours, reference)}, ratio ${(ours.rate / raw.rate).toFixed(2)}`,
    );
  }
  return median(ratios);
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
