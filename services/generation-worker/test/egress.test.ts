import { createGenerationClient } from '@faultline/client';
import {
  makeTestCertificates,
  type ProviderSimulator,
  startProviderSimulator,
  startTestRedis,
  type TestCertificates,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The proxy and the TLS front are test parts of the providers package, whose egress this is.
import {
  startConnectProxy,
  startTlsFront,
  type TestProxy,
} from '../../../packages/providers/test/connect-proxy.ts';
import { type RunningProcess, startWorkerProcess, testEnv } from './support.ts';

const PASSWORD = 'worker-proxy-s3cret';
let redis: TestRedis;
let sim: ProviderSimulator;
let certs: TestCertificates;
let front: Awaited<ReturnType<typeof startTlsFront>>;
let proxy: TestProxy;
let worker: RunningProcess | undefined;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  // A provider whose certificate only the CA in FAULTLINE_CA_FILE vouches for, as behind a TLS-inspecting proxy.
  certs = makeTestCertificates('egress-worker');
  front = await startTlsFront(Number(new URL(sim.url).port), certs);
  proxy = await startConnectProxy({ credentials: `corp-user:${PASSWORD}` });
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await Promise.all([proxy?.close(), front?.close(), sim?.close(), redis?.close()]);
});

describe('a generation worker behind a corporate proxy', () => {
  it('gets its answer from an HTTPS provider through the proxy, and never logs the proxy password', async () => {
    const prefix = '{t-egress}';
    const https = `https://localhost:${front.port}`;
    worker = await startWorkerProcess({
      ...testEnv(redis.url, { openaiBaseURL: `${https}/v1`, anthropicBaseURL: https }, prefix),
      HTTPS_PROXY: proxy.url,
      FAULTLINE_CA_FILE: certs.ca,
      LOG_LEVEL: 'debug',
    });
    sim.script('through-proxy', { kind: 'success', text: 'hello from behind the proxy' });
    const client = createGenerationClient({ redisUrl: redis.url, prefix });
    try {
      for (const provider of ['openai', 'anthropic']) {
        const job = await client.enqueueGeneration({
          provider,
          model: 'through-proxy',
          messages: [{ role: 'user', content: 'ping' }],
        });
        expect(await client.waitForResult(job, 15_000)).toMatchObject({
          text: 'hello from behind the proxy',
        });
      }
    } finally {
      await client.close();
    }
    expect(proxy.seen.filter((s) => s.method === 'CONNECT').map((s) => s.target)).toContain(
      `localhost:${front.port}`,
    );
    const log = worker.output();
    expect(log).toContain(`127.0.0.1:${proxy.port}`);
    expect(log).not.toContain(PASSWORD);
  });
});
