import { createServer, type Server, Socket } from 'node:net';
import { createGenerationClient } from '@faultline/client';
import type { AlertEvent } from '@faultline/core';
import { createRedis, QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { silentLogger, testConfig, testEnv, until } from './support.ts';

/**
 * The name clients connect by (DNS, a Sentinel-aware proxy): new connections go to whichever node
 * is primary now; connections made before a failover stay with the old node, now a replica.
 */
function redisAddress(initialPort: number) {
  let target = initialPort;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(target, '127.0.0.1', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  return {
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
      ),
    pointAt(port: number) {
      target = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let primary: TestRedis;
let replica: TestRedis;
let sim: ProviderSimulator;
let address: ReturnType<typeof redisAddress>;
let worker: ReturnType<typeof startGenerationWorker> | undefined;
let client: ReturnType<typeof createGenerationClient>;
const admin: ReturnType<typeof createRedis>[] = [];
const prefix = '{t-failover}';

beforeAll(async () => {
  [primary, replica, sim] = await Promise.all([startTestRedis(), startTestRedis(), startProviderSimulator()]);
  address = redisAddress(primary.port);
  const url = `redis://127.0.0.1:${await address.listen()}`;
  const env = testEnv(url, sim, prefix);
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  client = createGenerationClient({ redisUrl: url, prefix });
  await worker.worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close(1000);
  await client?.close();
  for (const r of admin) r.disconnect();
  await address?.close();
  await Promise.all([sim?.close(), primary?.close(), replica?.close()]);
});

/** A direct connection to one node, around the address clients use. */
function node(r: TestRedis) {
  const conn = createRedis(r.url, { reconnectOnError: () => false });
  admin.push(conn);
  return conn;
}

const billing = {
  kind: 'http',
  status: 429,
  body: { error: { message: 'You exceeded your current quota.', code: 'insufficient_quota' } },
} as const;

/** The events of a model in one node's alerts queue (read only: a replica answers too). */
async function eventsOn(r: TestRedis, model: string): Promise<AlertEvent[]> {
  const alerts = new Queue(QUEUES.alerts, { connection: { url: r.url }, prefix });
  try {
    const jobs = await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map((j) => j.data as AlertEvent).filter((e) => e.model === model);
  } finally {
    await alerts.close();
  }
}

const enqueue = (model: string) =>
  client.enqueueGeneration(
    { provider: 'openai', model, messages: [{ role: 'user', content: 'hi' }] },
    { attempts: 1 },
  );

describe('a Redis failover (READONLY) is ridden out without a restart (L10)', () => {
  it('connections left on the demoted primary reconnect to the promoted one; jobs and events resume', async () => {
    const a = node(primary);
    const b = node(replica);
    await b.replicaof('127.0.0.1', primary.port);
    sim.script('m-before', billing);
    sim.script('m-after', billing);

    await enqueue('m-before');
    await until(
      'the event before the failover',
      async () => (await eventsOn(primary, 'm-before')).length === 1,
    );

    // Failover: the replica has everything, is promoted, and the address now leads to it; the old
    // primary becomes its replica, so every connection still open to it gets READONLY on writes.
    await until('the replica to catch up', async () => (await a.wait(1, 1000)) === 1);
    await b.replicaof('NO', 'ONE');
    address.pointAt(replica.port);
    await a.replicaof('127.0.0.1', replica.port);
    await until('the old primary to refuse writes', async () =>
      a.set('probe', 1).then(
        () => false,
        (e: Error) => /READONLY/.test(e.message),
      ),
    );

    // Enqueued, run, classified and published over connections opened before the failover.
    await enqueue('m-after');
    const after = await until(
      'the event after the failover, on the new primary',
      async () => {
        const events = await eventsOn(replica, 'm-after');
        return events.length === 1 && events;
      },
      20_000,
    );
    expect(after[0]).toMatchObject({ category: 'billing_quota', source: 'generation' });
    expect(sim.requests('m-after')).toHaveLength(1);
  }, 40_000);
});
