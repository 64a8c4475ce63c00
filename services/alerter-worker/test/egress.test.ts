import { loadConfig } from '@faultline/runtime';
import { makeTestCertificates, quotaNotification, type TestCertificates } from '@faultline/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// The proxy and the TLS front are test parts of the providers package, whose egress this shares.
import {
  startConnectProxy,
  startTlsFront,
  type TestProxy,
} from '../../../packages/providers/test/connect-proxy.ts';
import type { AlertChannel } from '../src/channels/index.ts';
import { sentryChannel } from '../src/channels/sentry.ts';
import { slackChannel, webhookChannel } from '../src/channels/webhook.ts';
import { AlerterConfig } from '../src/config.ts';
import { startHttpSink } from './support/http-sink.ts';

const EGRESS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const EGRESS_ALL = [...EGRESS, 'FAULTLINE_CA_FILE', 'FAULTLINE_TRANSPORT'];
let certs: TestCertificates;
let sink: Awaited<ReturnType<typeof startHttpSink>>;
let front: Awaited<ReturnType<typeof startTlsFront>>;
let proxy: TestProxy;
let https: string;
const saved = Object.fromEntries(EGRESS_ALL.map((k) => [k, process.env[k]]));
const opened: AlertChannel[] = [];

beforeAll(async () => {
  certs = makeTestCertificates('egress-alerter');
  sink = await startHttpSink();
  front = await startTlsFront(Number(new URL(sink.url).port), certs);
  proxy = await startConnectProxy();
  https = `https://localhost:${front.port}`;
});
afterAll(async () => {
  await Promise.all([proxy?.close(), front?.close(), sink?.close()]);
});
// Channels read the egress settings from the process's env when they are made, as at start-up.
beforeEach(() => {
  for (const k of EGRESS_ALL) delete process.env[k];
  proxy.seen.length = 0;
  sink.received.length = 0;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

const withEnv = (env: Record<string, string>) => Object.assign(process.env, env);
const open = <C extends AlertChannel>(c: C) => {
  opened.push(c);
  return c;
};
const tunnels = () => proxy.seen.filter((s) => s.method === 'CONNECT').map((s) => s.target);

describe('webhook and Slack deliveries behind a corporate proxy', () => {
  it('a webhook reaches an HTTPS receiver through the proxy, trusting FAULTLINE_CA_FILE', async () => {
    withEnv({ HTTPS_PROXY: proxy.url, FAULTLINE_CA_FILE: certs.ca });
    const cfg = loadConfig(AlerterConfig, { WEBHOOK_URLS: `${https}/hook` });
    await open(webhookChannel(cfg, `${https}/hook`)).deliver(quotaNotification);
    expect(sink.received.map((r) => r.path)).toEqual(['/hook']);
    expect(tunnels()).toEqual([`localhost:${front.port}`]);
  });

  it('Slack goes the same way', async () => {
    withEnv({ https_proxy: proxy.url, FAULTLINE_CA_FILE: certs.ca });
    const cfg = loadConfig(AlerterConfig, { SLACK_WEBHOOK_URL: `${https}/services/T/B/x` });
    await open(slackChannel(cfg)).deliver(quotaNotification);
    expect(sink.received.map((r) => r.path)).toEqual(['/services/T/B/x']);
    expect(tunnels()).toHaveLength(1);
  });

  it('a receiver NO_PROXY names is reached directly', async () => {
    withEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost', FAULTLINE_CA_FILE: certs.ca });
    const cfg = loadConfig(AlerterConfig, { WEBHOOK_URLS: `${https}/hook` });
    await open(webhookChannel(cfg, `${https}/hook`)).deliver(quotaNotification);
    expect(sink.received).toHaveLength(1);
    expect(tunnels()).toEqual([]);
  });

  it('without the CA the delivery fails on the certificate', async () => {
    withEnv({ HTTPS_PROXY: proxy.url });
    const cfg = loadConfig(AlerterConfig, { WEBHOOK_URLS: `${https}/hook` });
    const failed = await open(webhookChannel(cfg, `${https}/hook`))
      .deliver(quotaNotification)
      .catch((e: unknown) => e);
    expect(String((failed as { code?: string }).code)).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT/,
    );
    expect(sink.received).toHaveLength(0);
  });
});

describe('Sentry behind a corporate proxy', () => {
  it('the event goes through HTTP_PROXY, which Sentry alone would not read in upper case', async () => {
    withEnv({ HTTP_PROXY: proxy.url });
    const cfg = loadConfig(AlerterConfig, { SENTRY_ENABLED: 'true', SENTRY_DSN: sink.dsn });
    await open(sentryChannel(cfg)).deliver(quotaNotification);
    expect(sink.sentryEvents()).toHaveLength(1);
    expect(tunnels()).toEqual([new URL(sink.url).host]);
  });
});
