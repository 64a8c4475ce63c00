import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '@faultline/runtime';
import {
  freePort,
  KEY_REVOKED_401,
  type ProviderSimulator,
  runRepoProcess,
  startProviderSimulator,
  startRepoService,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The alerter's own SMTP servers (smtp-server), as the repository's end-to-end tests use them.
import { startLoginSmtpSink } from '../../../services/alerter-worker/test/support/login-smtp-sink.ts';
import { startSmtpSink } from '../../../services/alerter-worker/test/support/smtp-sink.ts';

const OPENAI_KEY = 'sk-doctor-secret-key-7f3a9c';
const ANTHROPIC_KEY = 'sk-ant-doctor-secret-2b8e';
const SMTP_PASSWORD = 'smtp-doctor-secret-5d1c';
const SENTRY_KEY = 'abc123def456';

let good: TestRedis;
let evicting: TestRedis;
let sim: ProviderSimulator;
const dir = mkdtempSync(join(tmpdir(), 'faultline-doctor-'));

beforeAll(async () => {
  [good, evicting, sim] = await Promise.all([startTestRedis(), startTestRedis(), startProviderSimulator()]);
  if (!evicting.external) {
    // A Redis as a distribution or a cache-minded host sets it up: evicting, and persisting nothing.
    const conn = createRedis(evicting.url, { maxRetriesPerRequest: 0 });
    await conn.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await conn.config('SET', 'appendonly', 'no');
    await conn.config('SET', 'save', '');
    conn.disconnect();
  }
});
afterAll(async () => {
  await Promise.all([good?.close(), evicting?.close(), sim?.close()]);
});

/** Settings of a healthy install: the services on any free port, real mail addresses, a good Redis. */
function setup(extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: good.url,
    OPS_PORT: '0',
    ALERTER_HEALTH_PORT: '0',
    HEALTH_PORT: '0',
    ALERT_TO_EMAILS: 'oncall@acme.io',
    ALERT_FROM_EMAIL: 'faultline@acme.io',
    ...extra,
  };
}

let files = 0;
function file(content: object | string): string {
  const path = join(dir, `file-${files++}.yaml`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function doctor(env: Record<string, string>, ...args: string[]) {
  const proc = runRepoProcess(['packages/cli/src/main.ts', 'doctor', ...args], env);
  const code = await proc.exited;
  const out = proc.output();
  for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, SMTP_PASSWORD, SENTRY_KEY])
    expect(out).not.toContain(secret);
  return { code, out };
}

/** The line of one check as the user reads it: mark, name, what was found. */
function line(out: string, name: string): string {
  const found = out
    .split('\n')
    .find((l) => new RegExp(`^[✓✗!-] ${name.replace(/[.*+?()[\]]/g, '\\$&')}\\s{2,}`).test(l));
  if (!found) throw new Error(`no "${name}" line in:\n${out}`);
  return found.replace(/\s{2,}/, '  ');
}

describe('a good setup: every check passes, and doctor exits 0', () => {
  it('Redis, SMTP with STARTTLS and login, Sentry, both providers, a models file: ✓ each, no mail sent', async () => {
    const smtp = await startLoginSmtpSink({ username: 'alerts', password: SMTP_PASSWORD });
    try {
      const env = setup({
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_USERNAME: 'alerts',
        SMTP_PASSWORD,
        // smtp-server's own certificate is self-signed.
        SMTP_TLS_INSECURE: 'true',
        SENTRY_ENABLED: 'true',
        SENTRY_DSN: `https://${SENTRY_KEY}@o0.ingest.sentry.io/42`,
        OPENAI_BASE_URL: sim.openaiBaseURL,
        OPENAI_API_KEY: OPENAI_KEY,
        ANTHROPIC_BASE_URL: sim.anthropicBaseURL,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        FAULTLINE_MODELS_FILE: file({ models: [{ id: 'gpt-good', provider: 'openai' }] }),
      });
      const { code, out } = await doctor(env);
      expect(code, out).toBe(0);
      expect(line(out, 'settings')).toBe("✓ settings  every service's settings are valid");
      expect(line(out, 'Redis')).toBe(`✓ Redis  reachable at ${good.url}`);
      expect(line(out, 'Redis version')).toMatch(
        /^✓ Redis version {2}Redis \d+\.\d+\.\d+ \(BullMQ needs 5\.0\.0 or later\)$/,
      );
      expect(line(out, 'Redis maxmemory-policy')).toBe('✓ Redis maxmemory-policy  noeviction');
      expect(line(out, 'Redis persistence')).toBe('✓ Redis persistence  AOF on');
      expect(line(out, 'SMTP')).toBe(
        `✓ SMTP  127.0.0.1:${smtp.port}: connected, STARTTLS offered and used, login as alerts accepted (no mail sent)`,
      );
      expect(line(out, 'ALERT_TO_EMAILS')).toBe('✓ ALERT_TO_EMAILS  oncall@acme.io');
      expect(line(out, 'Sentry DSN')).toBe(
        '✓ Sentry DSN  host o0.ingest.sentry.io, project 42 (nothing sent)',
      );
      const host = new URL(sim.url).host;
      expect(line(out, 'provider openai')).toBe(
        `✓ provider openai  key in OPENAI_API_KEY accepted by ${host} (GET /models/gpt-good)`,
      );
      expect(line(out, 'provider anthropic')).toBe(
        `✓ provider anthropic  key in ANTHROPIC_API_KEY accepted by ${host} (GET /models)`,
      );
      expect(line(out, 'models file')).toMatch(/^✓ models file {2}\S+: 1 model of openai$/);
      expect(line(out, 'OPS_PORT 0')).toBe('✓ OPS_PORT 0  any free port, chosen at start (logged)');
      expect(out).toMatch(/\n\nno problems\n$/);
      expect(smtp.mails).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it('--json: the same checks as data', async () => {
    const { code, out } = await doctor(setup(), '--json');
    expect(code, out).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ ok: true, summary: 'no problems, 1 warning' });
    expect(report.checks).toContainEqual({ name: 'Redis persistence', status: 'ok', detail: 'AOF on' });
    expect(report.checks).toContainEqual(expect.objectContaining({ name: 'models file', status: 'warn' }));
  });
});

describe('Redis', () => {
  it('an evicting Redis that persists nothing: ✗ maxmemory-policy naming the fix, ! persistence, exit 3', async () => {
    if (evicting.external) return;
    const { code, out } = await doctor(setup({ REDIS_URL: evicting.url }));
    expect(code, out).toBe(3);
    expect(line(out, 'Redis')).toBe(`✓ Redis  reachable at ${evicting.url}`);
    expect(line(out, 'Redis maxmemory-policy')).toContain(
      '✗ Redis maxmemory-policy  Redis at redis://127.0.0.1:',
    );
    expect(line(out, 'Redis maxmemory-policy')).toContain(
      'maxmemory-policy is allkeys-lru: Faultline needs noeviction',
    );
    expect(line(out, 'Redis persistence')).toBe(
      '! Redis persistence  neither AOF nor RDB is on: a restart of Redis loses queued jobs and alert state; set appendonly yes in redis.conf',
    );
    // The models file warning, and this one.
    expect(out).toMatch(/\n\n1 problem, 2 warnings\n$/);
  });

  it('REDIS_URL naming a Redis that is not there: ✗ with the URL tried, no other Redis lines', async () => {
    const port = await freePort();
    const { code, out } = await doctor(setup({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    expect(code, out).toBe(3);
    expect(line(out, 'Redis')).toBe(
      `✗ Redis  Redis is unreachable at redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}). Start redis-server or point REDIS_URL at a running Redis.`,
    );
    expect(out).not.toContain('Redis version');
  });

  it('a server on REDIS_URL that accepts connections and never answers: ✗ after the timeout, and doctor ends', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { code, out } = await doctor(setup({ REDIS_URL: `redis://127.0.0.1:${port}` }));
      expect(code, out).toBe(3);
      expect(line(out, 'Redis')).toBe(
        `✗ Redis  no answer within 5s: redis://127.0.0.1:${port} accepts connections but does not answer as Redis: check REDIS_URL`,
      );
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('REDIS_URL unset and nothing running: a warning that faultline start will start one, exit 0', async () => {
    const port = await freePort();
    const env = setup({ FAULTLINE_REDIS_PORT: String(port) });
    delete env.REDIS_URL;
    const { code, out } = await doctor(env);
    expect(code, out).toBe(0);
    expect(line(out, 'Redis')).toBe(
      `! Redis  not running at redis://127.0.0.1:${port} (REDIS_URL unset); faultline start will start one`,
    );
    expect(line(out, 'Redis version')).toMatch(/^✓ Redis version {2}redis-server on PATH is \d+\.\d+\.\d+ /);
    expect(line(out, `FAULTLINE_REDIS_PORT ${port}`)).toBe(
      `✓ FAULTLINE_REDIS_PORT ${port}  free on 127.0.0.1`,
    );
    expect(out).toMatch(/\n\nno problems, 2 warnings\n$/);
  });
});

describe('SMTP: connect, STARTTLS and login are checked, and no mail is ever sent', () => {
  it('a refused login: ✗ naming SMTP_USERNAME and SMTP_PASSWORD, what passed before it, exit 3', async () => {
    const smtp = await startLoginSmtpSink({ username: 'alerts', password: 'the-right-one' });
    try {
      const { code, out } = await doctor(
        setup({
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          SMTP_USERNAME: 'alerts',
          SMTP_PASSWORD,
          SMTP_TLS_INSECURE: 'true',
        }),
      );
      expect(code, out).toBe(3);
      expect(line(out, 'SMTP')).toBe(
        `✗ SMTP  127.0.0.1:${smtp.port}: connected, STARTTLS offered and used; login as alerts refused (535 authentication failed): check SMTP_USERNAME and SMTP_PASSWORD`,
      );
      expect(smtp.mails).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it('a certificate of an unknown CA: ✗ saying to set SMTP_TLS_CA or SMTP_TLS_INSECURE', async () => {
    const smtp = await startLoginSmtpSink({ username: 'alerts', password: SMTP_PASSWORD });
    try {
      const { code, out } = await doctor(
        setup({
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          SMTP_USERNAME: 'alerts',
          SMTP_PASSWORD,
        }),
      );
      expect(code, out).toBe(3);
      expect(line(out, 'SMTP')).toMatch(
        new RegExp(
          `^✗ SMTP {2}SMTP server 127\\.0\\.0\\.1:${smtp.port} presented a certificate that does not verify .*set SMTP_TLS_CA`,
        ),
      );
      expect(smtp.mails).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it.each([
    [
      'no STARTTLS offered, TLS not required: ! mail goes in plaintext, exit 0',
      {},
      0,
      /^! SMTP {2}127\.0\.0\.1:\d+: connected \(no mail sent\); the server offers no STARTTLS, so alert mails go in plaintext: set SMTP_REQUIRE_TLS=true to refuse that$/,
    ],
    [
      'no STARTTLS offered, SMTP_REQUIRE_TLS=true: ✗ naming the setting, exit 3',
      { SMTP_REQUIRE_TLS: 'true' },
      3,
      /^✗ SMTP {2}SMTP server 127\.0\.0\.1:\d+ did not take STARTTLS .*TLS is required because SMTP_REQUIRE_TLS=true/,
    ],
  ])('%s', async (_, settings: Record<string, string>, exit, expected) => {
    const smtp = await startSmtpSink(0);
    try {
      const { code, out } = await doctor(
        setup({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), ...settings }),
      );
      expect(code, out).toBe(exit);
      expect(line(out, 'SMTP')).toMatch(expected);
      expect(smtp.mails).toEqual([]);
    } finally {
      await smtp.stop();
    }
  });

  it('SMTP_HOST set with the example recipient: ✗ ALERT_TO_EMAILS, ! ALERT_FROM_EMAIL', async () => {
    const smtp = await startSmtpSink(0);
    try {
      const env = setup({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
      delete env.ALERT_TO_EMAILS;
      delete env.ALERT_FROM_EMAIL;
      const { code, out } = await doctor(env);
      expect(code, out).toBe(3);
      expect(line(out, 'ALERT_TO_EMAILS')).toBe(
        '✗ ALERT_TO_EMAILS  oncall@localhost is an example address: nobody reads it; set ALERT_TO_EMAILS to the on-call addresses',
      );
      expect(line(out, 'ALERT_FROM_EMAIL')).toBe(
        '! ALERT_FROM_EMAIL  faultline@localhost is an example address: relays often refuse or file it as spam; set ALERT_FROM_EMAIL to an address of your domain',
      );
    } finally {
      await smtp.stop();
    }
  });
});

describe('provider keys: one free lookup each, the key never printed', () => {
  it('a revoked key, an unreachable provider, a model without its key: ✗ each with the category', async () => {
    sim.script('gpt-revoked', KEY_REVOKED_401);
    const dead = await freePort();
    const env = setup({
      OPENAI_BASE_URL: sim.openaiBaseURL,
      OPENAI_API_KEY: OPENAI_KEY,
      DEAD_API_KEY: 'sk-dead-doctor-secret',
      FAULTLINE_PROVIDERS_FILE: file({
        providers: [
          { name: 'deadgw', baseURL: `http://127.0.0.1:${dead}/v1`, apiKeyEnv: 'DEAD_API_KEY' },
          { name: 'keyless', baseURL: sim.openaiBaseURL, apiKeyEnv: 'KEYLESS_API_KEY' },
        ],
      }),
      FAULTLINE_MODELS_FILE: file({
        models: [
          { id: 'gpt-revoked', provider: 'openai' },
          { id: 'some-model', provider: 'keyless' },
        ],
      }),
    });
    const { code, out } = await doctor(env);
    expect(code, out).toBe(3);
    const host = new URL(sim.url).host;
    expect(line(out, 'provider openai')).toBe(
      `✗ provider openai  key in OPENAI_API_KEY rejected by ${host} (401, authentication/invalid_api_key): set a valid key`,
    );
    expect(line(out, 'provider deadgw')).toMatch(
      new RegExp(
        `^✗ provider deadgw {2}unreachable at 127\\.0\\.0\\.1:${dead} \\(no answer, network_error/\\S+\\): check the network and its baseURL$`,
      ),
    );
    expect(line(out, 'provider keyless')).toBe(
      '✗ provider keyless  KEYLESS_API_KEY is not set, and the models file probes some-model: set it',
    );
    expect(line(out, 'provider anthropic')).toBe(
      '- provider anthropic  ANTHROPIC_API_KEY unset, and no model in the models file uses it',
    );
    expect(out).not.toContain('sk-dead-doctor-secret');
  });
});

describe('the models and providers files: errors name the file and the field', () => {
  it('a model naming an unknown provider and a bad interval: ✗ models file with both', async () => {
    const path = file({
      models: [
        { id: 'gpt-x', provider: 'opneai' },
        { id: 'gpt-y', provider: 'openai', interval: 'soon' },
      ],
    });
    const { code, out } = await doctor(setup({ FAULTLINE_MODELS_FILE: path }));
    expect(code, out).toBe(3);
    expect(line(out, 'models file')).toMatch(
      new RegExp(`^✗ models file {2}FAULTLINE_MODELS_FILE: ${path}: models\\[1\\] \\(gpt-y\\)\\.interval: `),
    );
  });

  it('a provider without apiKeyEnv: ✗ providers file naming the entry', async () => {
    const path = file({ providers: [{ name: 'groq', baseURL: 'https://api.groq.com/openai/v1' }] });
    const { code, out } = await doctor(setup({ FAULTLINE_PROVIDERS_FILE: path }));
    expect(code, out).toBe(3);
    expect(line(out, 'providers file')).toMatch(
      new RegExp(`^✗ providers file {2}FAULTLINE_PROVIDERS_FILE: ${path}: \\.providers\\[0\\]\\.apiKeyEnv: `),
    );
  });

  it('a Sentry DSN without its public key: ✗ SENTRY_DSN saying the shape', async () => {
    const { code, out } = await doctor(
      setup({ SENTRY_ENABLED: 'true', SENTRY_DSN: 'https://o0.ingest.sentry.io/42' }),
    );
    expect(code, out).toBe(3);
    expect(line(out, 'Sentry DSN')).toBe(
      '✗ Sentry DSN  SENTRY_DSN: no public key before the @: expected https://<public key>@<host>/<project id>, as Sentry shows under Project Settings → Client Keys',
    );
  });
});

describe('ports', () => {
  let held: Server;
  let port: number;
  beforeAll(async () => {
    // A program that holds the port and answers nothing Faultline would: it hangs up.
    held = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    port = (held.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

  it('OPS_PORT held by another program: ✗ saying to set OPS_PORT; two settings on one port: ✗', async () => {
    const free = await freePort();
    const { code, out } = await doctor(
      setup({ OPS_PORT: String(port), ALERTER_HEALTH_PORT: String(free), HEALTH_PORT: String(free) }),
    );
    expect(code, out).toBe(3);
    expect(line(out, `OPS_PORT ${port}`)).toBe(
      `✗ OPS_PORT ${port}  in use on 127.0.0.1: set OPS_PORT to another port, or stop what holds it`,
    );
    expect(line(out, `ALERTER_HEALTH_PORT ${free}`)).toBe(`✓ ALERTER_HEALTH_PORT ${free}  free on 127.0.0.1`);
    expect(line(out, `HEALTH_PORT ${free}`)).toBe(
      `✗ HEALTH_PORT ${free}  ALERTER_HEALTH_PORT is ${free} too: give each its own port`,
    );
    expect(out).toMatch(/\n\n2 problems, 1 warning\n$/);
  });

  it('OPS_PORT held by a running ops service: ✓ saying so, since that is Faultline itself', async () => {
    const opsPort = await freePort();
    const ops = await startRepoService(
      'services/ops/src/main.ts',
      { REDIS_URL: good.url, OPS_PORT: String(opsPort), QUEUE_PREFIX: `{t-doctor-${process.pid}}` },
      'ops ready',
    );
    try {
      const { out } = await doctor(setup({ OPS_PORT: String(opsPort) }));
      expect(line(out, `OPS_PORT ${opsPort}`)).toBe(
        `✓ OPS_PORT ${opsPort}  in use by a running Faultline ops service (its /health answers)`,
      );
    } finally {
      ops.child.kill('SIGTERM');
      await ops.exited;
    }
  });
});
