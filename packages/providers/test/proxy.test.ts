import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { classifyError } from '@faultline/core';
import { BaseConfig, ConfigError, loadConfig } from '@faultline/runtime';
import {
  makeTestCertificates,
  type ProviderSimulator,
  runRepoProcess,
  startProviderSimulator,
  type TestCertificates,
} from '@faultline/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviderRegistry } from '../src/registry.ts';
import { startConnectProxy, startTlsFront, type TestProxy } from './connect-proxy.ts';

let certs: TestCertificates;
let sim: ProviderSimulator;
let front: Awaited<ReturnType<typeof startTlsFront>>;
let proxy: TestProxy;
let authProxy: TestProxy;
const PASSWORD = 's3cret-proxy-pass';

beforeAll(async () => {
  certs = makeTestCertificates('egress');
  sim = await startProviderSimulator();
  sim.setDefault({ kind: 'success', text: 'answered over https' });
  front = await startTlsFront(Number(new URL(sim.url).port), certs);
  proxy = await startConnectProxy();
  authProxy = await startConnectProxy({ credentials: `faultline:${PASSWORD}` });
});
afterAll(async () => {
  await Promise.all([proxy?.close(), authProxy?.close(), front?.close(), sim?.close()]);
});
beforeEach(() => {
  proxy.seen.length = 0;
  authProxy.seen.length = 0;
});

/** A provider reached over HTTPS at localhost, trusted through FAULTLINE_CA_FILE unless told otherwise. */
const providerEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  OPENAI_API_KEY: 'sk-test-0000000000000000000000000000',
  OPENAI_BASE_URL: `https://localhost:${front.port}/v1`,
  ANTHROPIC_API_KEY: 'sk-ant-test-00000000000000000000000000',
  ANTHROPIC_BASE_URL: `https://localhost:${front.port}`,
  FAULTLINE_CA_FILE: certs.ca,
  ...extra,
});

const ask = (env: Record<string, string>, provider = 'openai') =>
  createProviderRegistry(env, { timeoutMs: 5000 })
    .client(provider)
    .complete({ model: 'egress', messages: [{ role: 'user', content: 'hi' }] });

const tunnels = (p: TestProxy) => p.seen.filter((s) => s.method === 'CONNECT').map((s) => s.target);

describe('provider calls go through HTTPS_PROXY', () => {
  it.each(['openai', 'anthropic'])(
    'the %s SDK reaches the provider through a CONNECT tunnel',
    async (provider) => {
      const before = sim.requests('egress').length;
      const done = await ask(providerEnv({ HTTPS_PROXY: proxy.url }), provider);
      expect(done.text).toBe('answered over https');
      expect(tunnels(proxy)).toEqual([`localhost:${front.port}`]);
      expect(sim.requests('egress').length).toBe(before + 1);
    },
  );

  it('reads lower-case https_proxy before HTTPS_PROXY, as curl does', async () => {
    const env = providerEnv({ https_proxy: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:1' });
    await expect(ask(env)).resolves.toMatchObject({ text: 'answered over https' });
    expect(tunnels(proxy)).toHaveLength(1);
  });

  it('sends https:// through HTTP_PROXY when HTTPS_PROXY is unset', async () => {
    await ask(providerEnv({ HTTP_PROXY: proxy.url }));
    expect(tunnels(proxy)).toHaveLength(1);
  });

  it('takes a proxy without a scheme (host:port) as http://', async () => {
    await ask(providerEnv({ HTTPS_PROXY: `127.0.0.1:${proxy.port}` }));
    expect(tunnels(proxy)).toHaveLength(1);
  });
});

describe('NO_PROXY', () => {
  it.each([
    ['localhost', 'direct'],
    ['.localhost', 'direct'],
    ['*.localhost', 'direct'],
    ['*', 'direct'],
    ['api.example.com, localhost', 'direct'],
    ['localhost:PORT', 'direct'],
    ['localhost:1', 'proxy'],
    ['example.com', 'proxy'],
    // Names are compared as written, never resolved (as curl does).
    ['127.0.0.1', 'proxy'],
  ])('NO_PROXY=%s: the provider is reached %s', async (noProxy, way) => {
    const env = providerEnv({
      HTTPS_PROXY: proxy.url,
      NO_PROXY: noProxy.replace('PORT', String(front.port)),
    });
    await expect(ask(env)).resolves.toMatchObject({ text: 'answered over https' });
    expect(tunnels(proxy)).toHaveLength(way === 'proxy' ? 1 : 0);
  });
});

describe('extra CA certificates', () => {
  it('without the CA the call fails as a certificate error, classified tls_error', async () => {
    const { FAULTLINE_CA_FILE: _, ...env } = providerEnv({ HTTPS_PROXY: proxy.url });
    const error = await ask(env).catch((e: unknown) => e);
    expect(String((error as { cause?: { code?: string } }).cause?.code)).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT/,
    );
    expect(classifyError(error, { provider: 'openai', model: 'egress' }).reason).toBe('tls_error');
  });

  it.each([
    ['through the proxy', { HTTPS_PROXY: 'PROXY' }],
    ['direct', {}],
    ['with FAULTLINE_TRANSPORT=fetch', { FAULTLINE_TRANSPORT: 'fetch' }],
  ])('NODE_EXTRA_CA_CERTS, set when the process starts, is trusted %s', async (_how, extra) => {
    const { FAULTLINE_CA_FILE: _, ...env } = providerEnv();
    const child = runRepoProcess([resolve(import.meta.dirname, 'fixtures/complete-once.ts')], {
      ...env,
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v === 'PROXY' ? proxy.url : v])),
      NODE_EXTRA_CA_CERTS: certs.ca,
    });
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output()).toContain('ANSWER answered over https');
    expect(tunnels(proxy)).toHaveLength('HTTPS_PROXY' in extra ? 1 : 0);
  });
});

describe('FAULTLINE_TRANSPORT=fetch', () => {
  it("answers through the platform's fetch", async () => {
    const env = { ...providerEnv(), FAULTLINE_CA_FILE: '', FAULTLINE_TRANSPORT: 'fetch' };
    const registry = createProviderRegistry(
      { ...env, OPENAI_BASE_URL: sim.openaiBaseURL, ANTHROPIC_BASE_URL: sim.anthropicBaseURL },
      { timeoutMs: 5000 },
    );
    expect(registry.egress.transport).toBe('fetch');
    for (const provider of ['openai', 'anthropic'])
      await expect(
        registry.client(provider).complete({ model: 'egress', messages: [{ role: 'user', content: 'hi' }] }),
      ).resolves.toMatchObject({ text: 'answered over https' });
  });
});

describe('FAULTLINE_TRANSPORT=fetch keeps PROVIDER_RESPONSE_MAX_BYTES', () => {
  const CAP = 64 * 1024;
  let endless: Server;
  let base: string;
  beforeAll(async () => {
    // Writes for as long as the client reads: an answer with no end (a 2 GB error page).
    endless = createServer((req, res) => {
      res.writeHead(req.url?.includes('429') ? 429 : 200, {
        'content-type': 'application/json',
        'retry-after': '7',
      });
      const pump = () => {
        while (!res.destroyed && res.write(Buffer.alloc(16 * 1024, 'x')));
      };
      res.on('drain', pump);
      pump();
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    endless.closeAllConnections();
    await new Promise((r) => endless.close(r));
  });

  it.each([
    ['an endless 200 fails as a server error', '/ok/v1', { category: 'server_error', statusCode: 502 }],
    ['an endless 429 stays a rate limit', '/429/v1', { category: 'rate_limit', statusCode: 429 }],
  ])('%s (response_too_large)', async (_what, path, verdict) => {
    const registry = createProviderRegistry(
      { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${base}${path}`, FAULTLINE_TRANSPORT: 'fetch' },
      { timeoutMs: 5000, maxResponseBytes: CAP },
    );
    const error = await registry
      .client('openai')
      .complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(classifyError(error, { provider: 'openai', model: 'm' })).toMatchObject({
      ...verdict,
      providerCode: 'response_too_large',
    });
  });
});

describe('a proxy that asks for credentials', () => {
  it('gets Proxy-Authorization from the URL, and start-up shows the proxy without them', async () => {
    const env = providerEnv({ HTTPS_PROXY: authProxy.url });
    const registry = createProviderRegistry(env, { timeoutMs: 5000 });
    const done = await registry
      .client('anthropic')
      .complete({ model: 'egress', messages: [{ role: 'user', content: 'hi' }] });
    expect(done.text).toBe('answered over https');
    expect(authProxy.seen.map((s) => s.proxyAuthorization)).toEqual([
      `Basic ${Buffer.from(`faultline:${PASSWORD}`).toString('base64')}`,
    ]);
    expect(registry.egress).toMatchObject({ https: `127.0.0.1:${authProxy.port}` });
    expect(JSON.stringify(registry.egress)).not.toContain(PASSWORD);
  });

  it('a wrong password fails the call with a 407 that does not show the password', async () => {
    const wrong = authProxy.url.replace(PASSWORD, 'wrong-pass-123');
    const error = await ask(providerEnv({ HTTPS_PROXY: wrong })).catch((e: unknown) => e);
    const cause = (error as { cause?: Error }).cause;
    expect(cause?.message).toBe(
      `the proxy 127.0.0.1:${authProxy.port} refused the tunnel: HTTP 407 (the proxy wants other credentials: set them in HTTPS_PROXY as http://user:password@host:port)`,
    );
    expect(classifyError(error, { provider: 'openai', model: 'egress' })).toMatchObject({
      category: 'network_error',
      reason: 'connection_error',
    });
    expect(`${error} ${cause} ${cause?.cause}`).not.toContain('wrong-pass-123');
  });
});

describe('a bad egress setting stops start-up naming the variable', () => {
  it.each([
    [{ FAULTLINE_TRANSPORT: 'curl' }, 'FAULTLINE_TRANSPORT', /undici \(the default\) or fetch/],
    [{ https_proxy: 'socks5://proxy:1080' }, 'https_proxy', /http:\/\/proxy.example.com:3128/],
    [{ HTTP_PROXY: 'http://' }, 'HTTP_PROXY', /proxy URL/],
    [{ FAULTLINE_CA_FILE: '/nonexistent/ca.pem' }, 'FAULTLINE_CA_FILE', /cannot read \/nonexistent\/ca.pem/],
    [{ FAULTLINE_CA_FILE: 'KEY' }, 'FAULTLINE_CA_FILE', /no PEM certificate/],
    [{ FAULTLINE_TRANSPORT: 'fetch', FAULTLINE_CA_FILE: 'CA' }, 'FAULTLINE_CA_FILE', /NODE_EXTRA_CA_CERTS/],
  ])('%o: %s', (bad, variable, says) => {
    const env = Object.fromEntries(
      Object.entries(bad).map(([k, v]) => [k, v === 'KEY' ? certs.key : v === 'CA' ? certs.ca : v]),
    );
    let caught: unknown;
    try {
      createProviderRegistry({ ...providerEnv(), FAULTLINE_CA_FILE: '', ...env }, { timeoutMs: 1000 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([{ variable, message: expect.stringMatching(says) }]);
  });

  it('the service schemas refuse the same upper-case values', () => {
    expect(() => loadConfig(BaseConfig, { HTTPS_PROXY: 'ftp://proxy:21' })).toThrow(
      /HTTPS_PROXY: expected a proxy URL/,
    );
    expect(() => loadConfig(BaseConfig, { FAULTLINE_TRANSPORT: 'curl' })).toThrow(
      /FAULTLINE_TRANSPORT: expected undici/,
    );
  });
});
