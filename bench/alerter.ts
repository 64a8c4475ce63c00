/**
 * The alerter under load, beside raw BullMQ in the same run:
 * 1. events per second absorbed on a mostly-duplicate stream vs a raw no-op worker (single hop);
 * 2. p50/p99 from event to e-mail accepted by a real SMTP server, first-of-group events at a fixed
 *    rate with ALERT_GROUP_WAIT=0, vs a raw two-hop BullMQ pipeline at the same rate.
 * Run: node --import tsx bench/alerter.ts [events] [rate]
 */

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlerter } from '@faultline/alerter-worker';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { alertEventFrom, classifyError } from '@faultline/core';
import { loadConfig } from '@faultline/runtime';
import { startTestRedis } from '@faultline/testkit';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { drain, fmt, ROOT } from './support.ts';

const N = Number(process.argv[2] ?? 20_000);
const RATE = Number(process.argv[3] ?? 500);
const LATENCY_EVENTS = RATE * 6;
const CONCURRENCY = 50;
const redis = await startTestRedis();
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
const event = (i: number, provider: string) =>
  alertEventFrom(classified, {
    id: `bench-${i}`,
    source: 'generation',
    operation: 'chat.completion',
    occurredAt: new Date(),
  }) && {
    ...alertEventFrom(classified, {
      id: `bench-${i}`,
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date(),
    }),
    provider,
  };

const pct = (xs: number[], p: number) =>
  xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

// 1. Absorption.
console.log(`alerter bench: ${fmt(N)} events in 10 groups, concurrency ${CONCURRENCY}`);
const rawQueue = new Queue('raw', { connection, prefix: '{bench}' });
const raw = new Worker('raw', async () => null, {
  connection,
  prefix: '{bench}',
  concurrency: CONCURRENCY,
  autorun: false,
});
const rawRate = await drain(rawQueue, raw, N, (i) => event(i, `p${i % 10}`));
await raw.close();
await rawQueue.close();
console.log(`  raw BullMQ no-op worker: ${fmt(rawRate)} events/s`);

const absorbEnv = {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: '{bench-a}',
  ALERTER_CONCURRENCY: String(CONCURRENCY),
  ALERT_GROUP_WAIT: '1h',
  ALERT_FILE_PATH: join(dir, 'alerts.log'),
  MAILBOX_DIR: join(dir, 'mail'),
};
const absorbing = startAlerter(loadConfig(AlerterConfig, absorbEnv), pino({ level: 'silent' }), {
  autorun: false,
});
const alertsQueue = new Queue('alerts', { connection, prefix: '{bench-a}' });
const absorbRate = await drain(alertsQueue, absorbing.workers[0]!, N, (i) => event(i, `p${i % 10}`));
console.log(`  alerter (dedup + count):  ${fmt(absorbRate)} events/s`);
console.log(`  ratio: ${(absorbRate / rawRate).toFixed(2)} of raw (target >= 0.50)`);
await absorbing.close();
await alertsQueue.close();

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
// The alerter in its own process, as deployed: it must not share the event loop of the SMTP server
// and the event generator.
const alerterProc = spawn(
  process.execPath,
  [
    ...(process.env.ALERTER_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/aprof'] : []),
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
  alerterProc.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('alerter worker ready')) resolve();
  });
});
const lq = new Queue('alerts', { connection, prefix: '{bench-l}' });
const sentAt = new Map<string, number>();
const interval = 1000 / RATE;
const t0 = performance.now();
for (let i = 0; i < LATENCY_EVENTS; i++) {
  const due = t0 + i * interval;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const provider = `lat${i}`;
  sentAt.set(provider, performance.now());
  lq.add('alert', event(i, provider));
}
const deadline = performance.now() + 30_000;
while (accepted.size < LATENCY_EVENTS && performance.now() < deadline)
  await new Promise((r) => setTimeout(r, 50));
const lat = [...accepted].map(([p, at]) => at - sentAt.get(p)!);
console.log(
  `  event → SMTP accepted at ${RATE}/s, first-of-group: p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms (${lat.length}/${LATENCY_EVENTS} delivered; target p99 < 50 ms)`,
);
alerterProc.kill('SIGTERM');
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
const sent2 = new Map<number, number>();
const t1 = performance.now();
for (let i = 0; i < LATENCY_EVENTS; i++) {
  const wait = t1 + i * interval - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  sent2.set(i, performance.now());
  hopA.add('a', { i });
}
const d2 = performance.now() + 30_000;
while (done.size < LATENCY_EVENTS && performance.now() < d2) await new Promise((r) => setTimeout(r, 50));
const lat2 = [...done].map(([i, at]) => at - sent2.get(i)!);
console.log(
  `  raw two-hop BullMQ at ${RATE}/s: p50 ${pct(lat2, 0.5).toFixed(1)} ms, p99 ${pct(lat2, 0.99).toFixed(1)} ms`,
);
await Promise.all([wA.close(), wB.close()]);
await Promise.all([hopA.close(), hopB.close()]);
void QueueEvents;
smtp.close();
await redis.close();
process.exit(0);
