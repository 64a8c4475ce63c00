/**
 * The alerter under load, beside raw BullMQ in the same run:
 * 1. events per second absorbed on a mostly-duplicate stream vs a raw no-op worker (single hop);
 * 2. p50/p99 from event to e-mail accepted by a real SMTP server, first-of-group events at a fixed
 *    rate with ALERT_GROUP_WAIT=0, vs a raw two-hop BullMQ pipeline at the same rate.
 * Run: node --conditions=development --import tsx bench/alerter.ts [events] [rate]
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlerter } from '@faultline/alerter-worker';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { alertEventFrom, classifyError } from '@faultline/core';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { alternatingRounds, drain, fmt, ROOT, rawPass } from './support.ts';

const N = Number(process.argv[2] ?? 20_000);
const RATE = Number(process.argv[3] ?? 500);
const LATENCY_EVENTS = RATE * 6;
const WARMUP_EVENTS = RATE * 3;
const CONCURRENCY = 50;
// Redis as infra/redis.conf runs it (AOF, fsync every second), for the raw baseline and Faultline alike.
const redis = await startTestRedis({ fsync: 'everysec' });
const connection = { url: redis.url };
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));

const classified = classifyError(
  {
    status: 429,
    headers: {},
    body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
  },
  { provider: 'openai', model: 'gpt-4o-mini' },
);
const event = (i: number, provider: string) => ({
  ...alertEventFrom(classified, {
    id: `bench-${i}`,
    source: 'generation',
    operation: 'chat.completion',
    occurredAt: new Date(),
  }),
  provider,
});

/** A process's user + system CPU seconds, from /proc (Linux); NaN elsewhere. */
const cpuSeconds = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
};

const pct = (xs: number[], p: number) =>
  xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

// 1. Absorption.
const ROUNDS = 3;
const WARMUP = 5000;
console.log(
  `alerter bench: ${fmt(N)} events in 10 groups x ${ROUNDS} rounds after ${fmt(WARMUP)} warm-up events each, concurrency ${CONCURRENCY}`,
);
const absorbEnv = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: '{bench-a}',
  ALERTER_CONCURRENCY: String(CONCURRENCY),
  ALERT_GROUP_WAIT: '1h',
  ALERT_FILE_PATH: join(dir, 'alerts.log'),
  MAILBOX_DIR: join(dir, 'mail'),
};
let sent = 0;
/** The next `n` events (fresh ids, 10 providers, so 10 groups) as one pass's data. */
const nextEvents = (n: number) => {
  const from = sent;
  sent += n;
  return (i: number) => event(from + i, `p${i % 10}`);
};
const median = await alternatingRounds({
  rounds: ROUNDS,
  warmup: WARMUP,
  n: N,
  raw: async (n) => ({ rate: await rawPass(connection, n, CONCURRENCY, nextEvents(n)) }),
  ours: async (n) => {
    const alerter = startAlerter(loadConfig(AlerterConfig, absorbEnv), pino({ level: 'silent' }), {
      autorun: false,
    });
    const queue = new Queue('alerts', { connection, prefix: '{bench-a}' });
    const rate = await drain(queue, alerter.workers[0]!, n, nextEvents(n));
    await alerter.close();
    await queue.close();
    return { rate };
  },
  line: (_round, raw, ours) =>
    `raw BullMQ no-op ${fmt(raw.rate)} events/s, alerter (dedup + count) ${fmt(ours.rate)} events/s`,
});
console.log(`  ratio: ${median.toFixed(2)} of raw, median of ${ROUNDS} rounds (target >= 0.50)`);

// 2. Event → SMTP latency.
const accepted = new Map<string, number>();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _s, cb) {
    let raw = '';
    stream.on('data', (d) => {
      raw += d;
    });
    stream.on('end', () => {
      const provider = /Provider: (\S+)/.exec(raw)?.[1];
      if (provider) accepted.set(provider, performance.now());
      cb();
    });
  },
});
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
const smtpPort = (smtp.server.address() as { port: number }).port;
const latencyEnv = {
  ...absorbEnv,
  QUEUE_PREFIX: '{bench-l}',
  ALERT_GROUP_WAIT: '0',
  ALERT_MAX_PER_HOUR: '1000000',
  ENABLE_FILE_ALERTS: 'false',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(smtpPort),
};
// The alerter in its own processes, as deployed (ALERTERS replicas, default 1): they must not share
// the event loop of the SMTP server and the event generator.
const ALERTERS = Number(process.env.ALERTERS ?? 1);
const alerterProcs = await Promise.all(
  Array.from({ length: ALERTERS }, async () => {
    const proc = spawn(
      process.execPath,
      [
        ...(process.env.ALERTER_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/aprof'] : []),
        '--conditions=development',
        '--import',
        'tsx',
        'services/alerter-worker/src/main.ts',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...latencyEnv, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => {
      let out = '';
      proc.stdout!.on('data', function ready(d) {
        out += d;
        if (!out.includes('alerter worker ready')) return;
        proc.stdout!.off('data', ready);
        proc.stdout!.resume();
        resolve();
      });
    });
    return proc;
  }),
);
const alertersCpu = () => alerterProcs.reduce((sum, p) => sum + cpuSeconds(p.pid!), 0);
const lq = new Queue('alerts', { connection, prefix: '{bench-l}' });
const interval = 1000 / RATE;

/** Adds `count` first-of-group events at RATE and waits for their mails; returns each one's send time. */
async function paced(count: number, tag: string): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const provider = `${tag}${i}`;
    sentAt.set(provider, performance.now());
    lq.add('alert', event(i, provider));
  }
  const deadline = performance.now() + 30_000;
  while ([...sentAt.keys()].some((p) => !accepted.has(p)) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return sentAt;
}

// A long-running alerter is warm: the first seconds of a fresh process (JIT, lazy loading, SMTP
// connections opening) are a start-up cost, not its latency.
await paced(WARMUP_EVENTS, 'warm');
const cpuBefore = alertersCpu();
const sentAt = await paced(LATENCY_EVENTS, 'lat');
const cpuPerMail = ((alertersCpu() - cpuBefore) / LATENCY_EVENTS) * 1e6;
const lat = [...sentAt].filter(([p]) => accepted.has(p)).map(([p, at]) => accepted.get(p)! - at);
if (process.env.BENCH_TRACE) {
  const bySeq = [...sentAt.keys()].map((p) => (accepted.get(p) ?? Number.NaN) - sentAt.get(p)!);
  for (let i = 0; i < bySeq.length; i += 250)
    console.log(`    events ${i}-${i + 249}: max ${Math.max(...bySeq.slice(i, i + 250)).toFixed(0)} ms`);
}
console.log(
  `  event → SMTP accepted at ${RATE}/s, first-of-group: p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms (${lat.length}/${LATENCY_EVENTS} delivered; target p99 < 50 ms)`,
);
// Where the time goes, from BullMQ's own timestamps (ms resolution).
const dq = new Queue('alert-deliveries', { connection, prefix: '{bench-l}' });
const stages = (jobs: { timestamp: number; processedOn?: number; finishedOn?: number }[]) => {
  const wait = jobs.map((j) => (j.processedOn ?? 0) - j.timestamp);
  const run = jobs.map((j) => (j.finishedOn ?? 0) - (j.processedOn ?? 0));
  return `wait p50 ${pct(wait, 0.5)} p99 ${pct(wait, 0.99)} ms, run p50 ${pct(run, 0.5)} p99 ${pct(run, 0.99)} ms`;
};
console.log(
  `    alerter CPU (${ALERTERS} process${ALERTERS > 1 ? 'es' : ''}): ${cpuPerMail.toFixed(0)} µs per first-of-group event`,
);
console.log(`    events:     ${stages(await lq.getJobs(['completed'], 0, -1))}`);
console.log(`    deliveries: ${stages(await dq.getJobs(['completed'], 0, -1))}`);
await dq.close();
for (const p of alerterProcs) p.kill('SIGTERM');
await lq.close();

// Raw two-hop baseline: event → worker A → queue B → worker B.
const hopA = new Queue('hopA', { connection, prefix: '{bench-r}' });
const hopB = new Queue('hopB', { connection, prefix: '{bench-r}' });
const done = new Map<number, number>();
const wA = new Worker('hopA', async (job) => hopB.add('b', job.data), {
  connection,
  prefix: '{bench-r}',
  concurrency: CONCURRENCY,
});
const wB = new Worker(
  'hopB',
  async (job) => {
    done.set(job.data.i, performance.now());
  },
  { connection, prefix: '{bench-r}', concurrency: CONCURRENCY },
);
await Promise.all([wA.waitUntilReady(), wB.waitUntilReady()]);
async function rawPaced(count: number, from: number): Promise<Map<number, number>> {
  const sent = new Map<number, number>();
  const t1 = performance.now();
  for (let i = from; i < from + count; i++) {
    const wait = t1 + (i - from) * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sent.set(i, performance.now());
    hopA.add('a', { i });
  }
  const d2 = performance.now() + 30_000;
  while ([...sent.keys()].some((i) => !done.has(i)) && performance.now() < d2)
    await new Promise((r) => setTimeout(r, 50));
  return sent;
}
await rawPaced(WARMUP_EVENTS, 0);
const rawCpu = process.cpuUsage();
const sent2 = await rawPaced(LATENCY_EVENTS, WARMUP_EVENTS);
const { user, system } = process.cpuUsage(rawCpu);
const lat2 = [...sent2].filter(([i]) => done.has(i)).map(([i, at]) => done.get(i)! - at);
console.log(
  `  raw two-hop BullMQ at ${RATE}/s: p50 ${pct(lat2, 0.5).toFixed(1)} ms, p99 ${pct(lat2, 0.99).toFixed(1)} ms; CPU ${((user + system) / LATENCY_EVENTS).toFixed(0)} µs per event, producer included`,
);
await Promise.all([wA.close(), wB.close()]);
await Promise.all([hopA.close(), hopB.close()]);
smtp.close();
await redis.close();
process.exit(0);
