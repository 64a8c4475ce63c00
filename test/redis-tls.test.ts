import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  assertRedisReachable,
  ConfigError,
  createRedis,
  onRedisError,
  RedisUnreachableError,
  redisTlsOptions,
} from '@faultline/runtime';
import {
  makeTestCertificates,
  pollUntil,
  runRepoProcess,
  startTestRedis,
  type TestCertificates,
  type TestRedis,
} from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlerterProcess,
  alerterEnv,
  startAlerterProcess,
} from '../services/alerter-worker/test/support/alerter-env.ts';

// `rediss://` against a real redis-server with --tls-port and a CA made here: the connection factory
// every service, the CLI and BullMQ's queues and workers use, and a service process end to end.

/** A redis-server built with TLS: one without refuses the tls-port directive (here it exits at once either way). */
const tlsProbe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--save', ''], {
  encoding: 'utf8',
});
const hasTlsRedis = !tlsProbe.error && !/Bad directive/.test(`${tlsProbe.stdout}${tlsProbe.stderr}`);
if (!hasTlsRedis) console.warn('TLS tests skipped: no redis-server built with TLS on PATH');

/** The URL without the kit's own credentials: the server has no ACL here. */
const plainUrl = (redis: TestRedis) => `rediss://localhost:${redis.port}`;

describe('REDIS_TLS_* are read for rediss:// only, and a bad one stops start-up naming it', () => {
  const pem = makeTestCertificates('faultline-tls-settings');
  it.each([
    ['redis:// without TLS settings', 'redis://h:6379', {}, undefined],
    ['rediss:// with Node’s trusted CAs', 'rediss://h:6379', {}, { rejectUnauthorized: true }],
    [
      'rediss:// with a private CA',
      'rediss://h:6379',
      { REDIS_TLS_CA: pem.ca },
      { rejectUnauthorized: true, ca: readFileSync(pem.ca) },
    ],
    [
      'rediss:// with a client certificate',
      'rediss://h:6379',
      { REDIS_TLS_CERT: pem.cert, REDIS_TLS_KEY: pem.key },
      { rejectUnauthorized: true, cert: readFileSync(pem.cert), key: readFileSync(pem.key) },
    ],
  ] as const)('%s', (_what, url, env, options) => {
    expect(redisTlsOptions(url, env)).toEqual(options);
  });

  it.each([
    [
      'a CA with a plain redis:// URL',
      'redis://h:6379',
      { REDIS_TLS_CA: pem.ca },
      'REDIS_TLS_CA',
      /use rediss:\/\//,
    ],
    [
      'a CA file that is not there',
      'rediss://h:6379',
      { REDIS_TLS_CA: '/nope/ca.pem' },
      'REDIS_TLS_CA',
      /\/nope\/ca\.pem \(ENOENT\)/,
    ],
    [
      'a certificate without its key',
      'rediss://h:6379',
      { REDIS_TLS_CERT: pem.cert },
      'REDIS_TLS_KEY',
      /both or neither/,
    ],
    [
      'a key without its certificate',
      'rediss://h:6379',
      { REDIS_TLS_KEY: pem.key },
      'REDIS_TLS_CERT',
      /both or neither/,
    ],
  ] as const)('refuses %s', (_what, url, env, variable, message) => {
    let thrown: unknown;
    try {
      redisTlsOptions(url, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });
});

describe.runIf(hasTlsRedis)('rediss:// to a redis-server whose certificate a private CA signed', () => {
  let pem: TestCertificates;
  let redis: TestRedis;
  beforeAll(async () => {
    pem = makeTestCertificates('faultline-redis');
    redis = await startTestRedis({ tls: { ...pem, authClients: false } });
  });
  afterAll(() => redis?.close());

  it('with REDIS_TLS_CA: the connection factory talks to it, and a BullMQ queue and worker built on it run a job', async () => {
    const env = { REDIS_TLS_CA: pem.ca };
    const url = plainUrl(redis);
    await assertRedisReachable(url, 3000, env);
    const queueRedis = createRedis(url, {}, env);
    const workerRedis = createRedis(url, {}, env);
    const queue = new Queue('tls-jobs', { connection: queueRedis, prefix: '{t-tls}' });
    const worker = new Worker('tls-jobs', async (job) => `done ${job.data.n}`, {
      connection: workerRedis,
      prefix: '{t-tls}',
    });
    try {
      const job = await queue.add('n', { n: 7 });
      await pollUntil('the job to complete over TLS', async () => (await job.getState()) === 'completed');
      expect((await queue.getJob(job.id!))?.returnvalue).toBe('done 7');
    } finally {
      await worker.close();
      await queue.close();
      queueRedis.disconnect();
      workerRedis.disconnect();
    }
  });

  it.each([
    ['without REDIS_TLS_CA', {}],
    ['with REDIS_TLS_CA naming another CA', { REDIS_TLS_CA: makeTestCertificates('faultline-other').ca }],
  ])('%s: refused, and the message says to set REDIS_TLS_CA', async (_what, env) => {
    const refused = await assertRedisReachable(plainUrl(redis), 3000, env).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RedisUnreachableError);
    expect((refused as Error).message).toMatch(
      /rediss:\/\/localhost:\d+.*self-signed certificate in certificate chain\).*not signed by a trusted CA: set REDIS_TLS_CA to the PEM file of the CA/,
    );
  });

  it('a long-lived connection that cannot verify the certificate says so in its reconnect log line', async () => {
    const reported: string[] = [];
    onRedisError((_url, error) => reported.push(error.message));
    const client = createRedis(plainUrl(redis), {}, {});
    try {
      await pollUntil('the connection error to be reported', () => reported.length > 0);
      expect(reported[0]).toMatch(/set REDIS_TLS_CA/);
    } finally {
      client.disconnect();
      onRedisError((url, error) => process.stderr.write(`Redis ${url}: ${error.message}; reconnecting\n`));
    }
  });
});

describe.runIf(hasTlsRedis)('rediss:// to a redis-server that asks clients for a certificate', () => {
  let pem: TestCertificates;
  let redis: TestRedis;
  beforeAll(async () => {
    pem = makeTestCertificates('faultline-mtls');
    redis = await startTestRedis({ tls: { ...pem, authClients: true } });
  });
  afterAll(() => redis?.close());

  it('without REDIS_TLS_CERT: refused, naming REDIS_TLS_CERT and REDIS_TLS_KEY', async () => {
    const refused = await assertRedisReachable(plainUrl(redis), 3000, { REDIS_TLS_CA: pem.ca }).then(
      () => null,
      (error: unknown) => error,
    );
    // Redis answers with an alert, or (TLS 1.3, the alert unread) a reset: both name the settings.
    expect((refused as Error)?.message).toMatch(/set REDIS_TLS_CERT and REDIS_TLS_KEY/);
  });

  it('a plain redis:// URL to its TLS port: refused, saying to use rediss://', async () => {
    const refused = await assertRedisReachable(`redis://localhost:${redis.port}`, 3000, {}).then(
      () => null,
      (error: unknown) => error,
    );
    expect((refused as Error)?.message).toMatch(/if it speaks TLS on this port, use rediss:\/\//);
  });

  it('with REDIS_TLS_CERT and REDIS_TLS_KEY: accepted', async () => {
    const env = { REDIS_TLS_CA: pem.ca, REDIS_TLS_CERT: pem.cert, REDIS_TLS_KEY: pem.key };
    await expect(assertRedisReachable(plainUrl(redis), 3000, env)).resolves.toBeUndefined();
  });
});

describe.runIf(hasTlsRedis)('a service and the CLI over rediss://', () => {
  let pem: TestCertificates;
  let redis: TestRedis;
  let alerter: AlerterProcess | undefined;
  beforeAll(async () => {
    pem = makeTestCertificates('faultline-service');
    redis = await startTestRedis({ tls: { ...pem, authClients: false } });
  });
  afterAll(async () => {
    alerter?.child.kill('SIGTERM');
    await alerter?.exited;
    await redis?.close();
  });

  it('the alerter without REDIS_TLS_CA exits 4 saying to set it', async () => {
    const { env } = alerterEnv(plainUrl(redis), '{t-tls-service}');
    const proc = runRepoProcess(['services/alerter-worker/src/main.ts'], env);
    expect(await proc.exited).toBe(4);
    expect(proc.output()).toMatch(/not signed by a trusted CA: set REDIS_TLS_CA/);
  }, 30_000);

  it('with REDIS_TLS_CA, `faultline test-alert` reaches the alerter, which writes the alert file', async () => {
    const { env } = alerterEnv(plainUrl(redis), '{t-tls-service}', { REDIS_TLS_CA: pem.ca });
    alerter = await startAlerterProcess(env);
    const sent = runRepoProcess(['packages/cli/src/main.ts', 'test-alert'], env);
    expect({ code: await sent.exited, out: sent.output() }).toMatchObject({ code: 0 });
    expect(sent.output()).toMatch(/file\s+delivered/);
    expect(readFileSync(env.ALERT_FILE_PATH!, 'utf8')).toMatch(/ALERT: BILLING_QUOTA/);
  }, 60_000);
});
