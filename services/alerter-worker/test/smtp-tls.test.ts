import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { quotaNotification, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerter } from '../src/alerter.ts';
import { emailChannel } from '../src/channels/email.ts';
import { AlerterConfig } from '../src/config.ts';
import { startupNotices } from '../src/startup-notices.ts';
import { alerterEnv, billingEvent, until } from './support/alerter-env.ts';
import { alerterHarness } from './support/alerter-harness.ts';
import { type SmtpSinkOptions, startSmtpSink } from './support/smtp-sink.ts';
import { makePrivateCa, type PrivateCa } from './support/tls-certs.ts';

let ca: PrivateCa;
beforeAll(() => {
  ca = makePrivateCa();
});
afterAll(() => {
  if (ca) rmSync(ca.dir, { recursive: true, force: true });
});

type Server = 'starttls' | 'tls port' | 'no STARTTLS' | 'no STARTTLS, AUTH offered';
const serverOptions = (server: Server): SmtpSinkOptions =>
  ({
    starttls: { tls: ca.server },
    'tls port': { tls: { ...ca.server, secure: true } },
    'no STARTTLS': {},
    'no STARTTLS, AUTH offered': { authInPlaintext: true },
  })[server];

const smtpConfig = (port: number, env: Record<string, string>) =>
  loadConfig(AlerterConfig, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    DELIVERY_TIMEOUT: '5s',
    ALERT_TO_EMAILS: 'oncall@example.com',
    ...env,
  });

/** One mail through the e-mail channel to a real SMTP server: what arrived, and what the channel threw. */
async function sendOne(server: Server, env: Record<string, string>) {
  const sink = await startSmtpSink(0, serverOptions(server));
  const channel = emailChannel(smtpConfig(sink.port, env));
  try {
    const error = await channel.deliver(quotaNotification).then(
      () => undefined,
      (e: Error) => e,
    );
    return { error, mails: [...sink.mails], logins: [...sink.logins] };
  } finally {
    await channel.close();
    await sink.stop();
  }
}

describe('SMTP TLS is verified: a certificate must come from a CA the alerter trusts', () => {
  it.each([
    ['STARTTLS with a certificate of an unknown CA, no settings', 'starttls', {}, 'refused'],
    ['the same server with SMTP_TLS_CA naming its CA', 'starttls', { SMTP_TLS_CA: 'CA' }, 'over TLS'],
    ['the same server with SMTP_TLS_INSECURE=true', 'starttls', { SMTP_TLS_INSECURE: 'true' }, 'over TLS'],
    ['a TLS port (SMTP_SECURE=true) of an unknown CA', 'tls port', { SMTP_SECURE: 'true' }, 'refused'],
    ['a TLS port with SMTP_TLS_CA', 'tls port', { SMTP_SECURE: 'true', SMTP_TLS_CA: 'CA' }, 'over TLS'],
  ] as const)('%s', async (_name, server, settings, outcome) => {
    const env: Record<string, string> = { ...settings };
    if (env.SMTP_TLS_CA) env.SMTP_TLS_CA = ca.caPath;
    const { error, mails } = await sendOne(server, env);
    if (outcome === 'refused') {
      expect(mails).toEqual([]);
      // The operator reads what to set, in the delivery's error and so in the log and the failed job.
      expect(error?.message).toMatch(/certificate/);
      expect(error?.message).toContain('SMTP_TLS_CA');
      expect(error?.message).toContain('SMTP_TLS_INSECURE');
    } else {
      expect(error).toBeUndefined();
      expect(mails.map((m) => ({ subject: m.subject, secure: m.secure }))).toEqual([
        { subject: '🚨 Faultline Alert: Billing Quota (openai)', secure: true },
      ]);
    }
  });
});

describe('STARTTLS is required when the server offers it, when SMTP_REQUIRE_TLS=true, and before any login', () => {
  it.each([
    ['a relay without STARTTLS and no login: plaintext, as before', 'no STARTTLS', {}, 'plaintext'],
    [
      'SMTP_REQUIRE_TLS=true and a server without STARTTLS',
      'no STARTTLS',
      { SMTP_REQUIRE_TLS: 'true' },
      'refused',
    ],
    [
      'SMTP_USERNAME set and a server that offers AUTH but not STARTTLS (as behind an attacker who strips it)',
      'no STARTTLS, AUTH offered',
      { SMTP_USERNAME: 'alerts', SMTP_PASSWORD: 'pw-never-in-clear' },
      'refused',
    ],
    [
      'SMTP_USERNAME set, STARTTLS offered and SMTP_TLS_CA: the login goes over TLS',
      'starttls',
      { SMTP_USERNAME: 'alerts', SMTP_PASSWORD: 'pw', SMTP_TLS_CA: 'CA' },
      'over TLS',
    ],
  ] as const)('%s', async (_name, server, settings, outcome) => {
    const env: Record<string, string> = { ...settings };
    if (env.SMTP_TLS_CA) env.SMTP_TLS_CA = ca.caPath;
    const { error, mails, logins } = await sendOne(server, env);
    // No login ever reaches a server without TLS.
    expect(logins.filter((l) => !l.secure)).toEqual([]);
    if (outcome === 'refused') {
      expect(mails).toEqual([]);
      expect(error?.message).toMatch(
        /did not take STARTTLS.*TLS is required because (SMTP_REQUIRE_TLS|SMTP_USERNAME)/,
      );
      return;
    }
    expect(error).toBeUndefined();
    expect(mails.map((m) => m.secure)).toEqual([outcome === 'over TLS']);
    if (env.SMTP_USERNAME) expect(logins).toEqual([{ user: 'alerts', secure: true }]);
  });
});

describe('TLS settings are checked at start', () => {
  const base = { ENABLE_EMAIL_ALERTS: 'true', SMTP_HOST: 'smtp.example.com' };
  it.each([
    ['a CA file that does not exist', { SMTP_TLS_CA: '/nonexistent/ca.pem' }, /SMTP_TLS_CA.*cannot read/s],
    ['a CA file that is not PEM', { SMTP_TLS_CA: 'NOT_PEM' }, /SMTP_TLS_CA.*BEGIN CERTIFICATE/s],
    [
      'SMTP_TLS_CA and SMTP_TLS_INSECURE together',
      { SMTP_TLS_CA: 'CA', SMTP_TLS_INSECURE: 'true' },
      /not both/,
    ],
  ])('%s is refused, naming the setting', (_name, settings, message) => {
    const env: Record<string, string> = { ...base, ...settings };
    if (env.SMTP_TLS_CA === 'CA') env.SMTP_TLS_CA = ca.caPath;
    if (env.SMTP_TLS_CA === 'NOT_PEM') {
      env.SMTP_TLS_CA = join(ca.dir, 'not.pem');
      writeFileSync(env.SMTP_TLS_CA, 'hello');
    }
    expect(() => loadConfig(AlerterConfig, env)).toThrow(message);
  });

  it.each([
    ['SMTP_TLS_INSECURE=true', { SMTP_TLS_INSECURE: 'true' }, 1],
    ['verified TLS', {}, 0],
    [
      'SMTP_TLS_INSECURE=true without SMTP_HOST (the local mailbox)',
      { SMTP_TLS_INSECURE: 'true', SMTP_HOST: '' },
      0,
    ],
  ])('%s: %i start-up warning(s) about an unchecked certificate', (_name, settings, count) => {
    const notices = startupNotices(loadConfig(AlerterConfig, { ...base, ...settings })).filter((n) =>
      n.message.includes('SMTP_TLS_INSECURE'),
    );
    expect(notices.map((n) => n.level)).toEqual(Array(count).fill('warn'));
  });
});

/** An alerter in this process whose log lines a test reads, and its alerts queue. */
function loggedAlerter(redisUrl: string, prefix: string, extra: Record<string, string>) {
  const { env } = alerterEnv(redisUrl, prefix, { ENABLE_FILE_ALERTS: 'false', ...extra });
  const cfg = loadConfig(AlerterConfig, env);
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const alerter = startAlerter(cfg, logger);
  const alerts = new Queue(QUEUES.alerts, { connection: { url: redisUrl }, prefix });
  return {
    cfg,
    lines,
    alerts,
    async close() {
      await alerts.close();
      await alerter.close();
    },
  };
}

describe('what a person gets, through the running alerter', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('with SMTP_TLS_CA, one mail arrives over TLS', async () => {
    const sink = await startSmtpSink(0, { tls: ca.server });
    const h = await alerterHarness(redis.url, {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_TLS_CA: ca.caPath,
      ENABLE_FILE_ALERTS: 'false',
    });
    try {
      await h.send(billingEvent('tls-ca'));
      await until('the mail', () => sink.mails.length >= 1);
      await until('every delivery to finish', h.idle);
      expect(sink.mails.map((m) => ({ subject: m.subject, secure: m.secure }))).toEqual([
        { subject: '🚨 Faultline Alert: Billing Quota (tls-ca)', secure: true },
      ]);
    } finally {
      await h.close();
      await sink.stop();
    }
  });

  it('by default, an unknown CA gets no mail, and the log says which settings to use', async () => {
    const sink = await startSmtpSink(0, { tls: ca.server });
    const a = loggedAlerter(redis.url, '{t-tls-default}', {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
    });
    try {
      await a.alerts.add('alert', billingEvent('tls-default'));
      const line = await until('a failed delivery in the log', () =>
        a.lines.find((l) => l.includes('delivery failed')),
      );
      expect(JSON.parse(line)).toMatchObject({ level: 40, channel: 'email' });
      expect(line).toContain('SMTP_TLS_CA');
      expect(line).toContain('SMTP_TLS_INSECURE');
      expect(sink.mails).toEqual([]);
    } finally {
      await a.close();
      await sink.stop();
    }
  });

  it('with SMTP_TLS_INSECURE=true, the mail arrives, and start-up warns', async () => {
    const sink = await startSmtpSink(0, { tls: ca.server });
    const a = loggedAlerter(redis.url, '{t-tls-insecure}', {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_TLS_INSECURE: 'true',
    });
    try {
      await a.alerts.add('alert', billingEvent('tls-insecure'));
      await until('the mail', () => sink.mails.length >= 1);
      expect(sink.mails.map((m) => m.secure)).toEqual([true]);
      // What main.ts logs at start (startup-notices.test.ts runs the process for the wiring).
      expect(
        startupNotices(a.cfg)
          .filter((n) => n.level === 'warn')
          .map((n) => n.message),
      ).toEqual([
        expect.stringMatching(/^SMTP_TLS_INSECURE=true: the SMTP server's certificate is not checked/),
      ]);
    } finally {
      await a.close();
      await sink.stop();
    }
  });
});
