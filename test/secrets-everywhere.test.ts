/**
 * Issue 14, requirement 5 (review S6): no secret leaves Faultline. The whole system runs as a person
 * runs it (`faultline start`, one process per service, against a Redis that needs a password), fed
 * every secret shape of secret-shapes.ts where real ones leak: in providers' error messages (health
 * probes and generation traffic through the real SDK), in a producer's job (metadata, prompt, a key
 * passed as the model name), in AlertEvents of a producer that does not redact, in receivers' error
 * answers, and in the settings (SMTP password, REDIS_URL password, webhook and Slack URLs, the webhook
 * secret, the ops token). Then every outlet is read as its reader would read it, and none may hold a
 * secret's value or its tail.
 *
 * Each outlet that shows provider text must also show the marker beside each secret ([S07]): proof
 * that the secret's text went through it, so a missing secret means redacted, not never sent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AlertEvent, alertEventFrom, classifyError } from '@faultline/core';
import { createRedis, QUEUES } from '@faultline/runtime';
import {
  freePort,
  killWithThisProcess,
  type ProviderSimulator,
  pollUntil,
  type RepoProcess,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink } from '../services/alerter-worker/test/support/http-sink.ts';
import { startLoginSmtpSink } from '../services/alerter-worker/test/support/login-smtp-sink.ts';
import { startScriptedHttpSink } from '../services/alerter-worker/test/support/scripted-sinks.ts';
import { draw, type SecretShape, SHAPES, tailOf } from './secret-shapes.ts';

const PREFIX = '{t-secrets}';
/** Providers p1…p7, each failing with its share of the shapes: a provider's message is cut at 500 characters. */
const PROVIDERS = 7;
const batch = (i: number) => SHAPES.filter((_, k) => k % PROVIDERS === i);
const providerText = (shapes: SecretShape[]) => shapes.map((s) => `[${s.id}] ${s.leak}`).join(' | ');
const externalText = (shapes: SecretShape[]) => shapes.map((s) => `(ext-${s.id}) ${s.leak}`).join(' | ');

/** Settings that are secrets, each also echoed back by something that should not have (see below). */
const SETTINGS = {
  SMTP_PASSWORD: `smtp-${draw('c-smtp', 22)}`,
  REDIS_PASSWORD: draw('c-redis', 24),
  WEBHOOK_SECRET: `whsec_${draw('c-whsec', 32)}`,
  WEBHOOK_TOKEN: draw('c-hook', 32),
  SLACK_TOKEN: draw('c-slack', 24),
  OPS_TOKEN: draw('c-ops', 40, '0123456789abcdef'),
};
const SLACK_PATH = `/services/T${draw('c-team', 10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${draw('c-bot', 11, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${SETTINGS.SLACK_TOKEN}`;
/**
 * A producer passing its key where the model goes (arguments swapped). The job contract refuses it
 * before any call; were it sent, the provider would answer 404 quoting it.
 */
const KEY_AS_MODEL = SHAPES.find((s) => s.id === 'S02')!.value;

const SECRETS: { id: string; name: string; value: string }[] = [
  ...SHAPES,
  ...Object.entries(SETTINGS).map(([name, value]) => ({ id: name, name, value })),
];

const unauthorized = (message: string) => ({
  kind: 'http' as const,
  status: 401,
  body: { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
});

let redis: TestRedis;
let sim: ProviderSimulator;
let smtp: Awaited<ReturnType<typeof startLoginSmtpSink>>;
let sentry: Awaited<ReturnType<typeof startHttpSink>>;
let hook: Awaited<ReturnType<typeof startScriptedHttpSink>>;
let slack: Awaited<ReturnType<typeof startScriptedHttpSink>>;
let system: RepoProcess | undefined;
let dir: string;
let env: Record<string, string>;
let opsUrl: string;
let healthUrl: string;
const cliRuns: RepoProcess[] = [];

/** `faultline <args>` with the system's settings; its output, whatever its exit code. */
async function cli(args: string[]): Promise<string> {
  const proc = runRepoProcess(['packages/cli/src/main.ts', ...args], env);
  killWithThisProcess(proc.child);
  cliRuns.push(proc);
  await proc.exited;
  return proc.output();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-secrets-'));
  [redis, sim, sentry] = await Promise.all([startTestRedis(), startProviderSimulator(), startHttpSink()]);
  const slackUrl = (base: string) => `${base}${SLACK_PATH}`;
  // Receivers that refuse the first delivery and quote what they were sent, as some do.
  [hook, slack, smtp] = await Promise.all([
    startScriptedHttpSink(({ n }) =>
      n === 0 ? { status: 503, body: `{"error":"token=${SETTINGS.WEBHOOK_TOKEN} over quota"}` } : undefined,
    ),
    startScriptedHttpSink(({ n }) =>
      n === 0 ? { status: 500, body: `invalid_token for https://hooks.slack.com${SLACK_PATH}` } : undefined,
    ),
    startLoginSmtpSink({
      username: 'alerts',
      password: SETTINGS.SMTP_PASSWORD,
      refusals: 1,
      refusal: `4.7.0 Temporary authentication failure for alerts, password=${SETTINGS.SMTP_PASSWORD}`,
    }),
  ]);

  // The services reach Redis as a user with a password, as a locked-down deployment does.
  const admin = createRedis(redis.url);
  await admin.call('ACL', 'SETUSER', 'faultline', 'on', `>${SETTINGS.REDIS_PASSWORD}`, '~*', '&*', '+@all');
  admin.disconnect();
  const redisUrl = new URL(redis.url);
  redisUrl.username = 'faultline';
  redisUrl.password = SETTINGS.REDIS_PASSWORD;

  const providers = Array.from({ length: PROVIDERS }, (_, i) => ({
    name: `p${i + 1}`,
    kind: 'openai',
    baseURL: sim.openaiBaseURL,
    apiKeyEnv: `P${i + 1}_API_KEY`,
  }));
  writeFileSync(join(dir, 'providers.json'), JSON.stringify({ providers }));
  writeFileSync(
    join(dir, 'models.json'),
    JSON.stringify({
      models: providers.map((p, i) => ({
        id: `probe-${i + 1}`,
        provider: p.name,
        priority: 'normal',
        interval: '1000ms',
        probe: 'completion',
      })),
    }),
  );
  for (let i = 0; i < PROVIDERS; i++) sim.script(`probe-${i + 1}`, unauthorized(providerText(batch(i))));
  sim.script(KEY_AS_MODEL, {
    kind: 'http',
    status: 404,
    body: {
      error: {
        message: `The model \`${KEY_AS_MODEL}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    },
  });

  const [opsPort, healthPort] = await Promise.all([freePort(), freePort()]);
  opsUrl = `http://127.0.0.1:${opsPort}`;
  healthUrl = `http://127.0.0.1:${healthPort}/api/monitoring/health?detail=true`;
  env = {
    REDIS_URL: redisUrl.toString(),
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    FAULTLINE_PROVIDERS_FILE: join(dir, 'providers.json'),
    FAULTLINE_MODELS_FILE: join(dir, 'models.json'),
    // The providers' own keys are secret shapes too: the simulator is sent them.
    ...Object.fromEntries(providers.map((p, i) => [p.apiKeyEnv, SHAPES[i]!.value])),
    HEALTH_PORT: String(healthPort),
    ALERTER_HEALTH_PORT: '0',
    OPS_PORT: String(opsPort),
    OPS_TOKEN: SETTINGS.OPS_TOKEN,
    ALERT_GROUP_WAIT: '1s',
    ALERT_MAX_PER_HOUR: '1000',
    DELIVERY_BACKOFF: '200ms',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_USERNAME: 'alerts',
    SMTP_PASSWORD: SETTINGS.SMTP_PASSWORD,
    // smtp-server's own certificate is self-signed.
    SMTP_TLS_INSECURE: 'true',
    ALERT_TO_EMAILS: 'oncall@example.com',
    ALERT_FILE_PATH: join(dir, 'alerts.log'),
    MAILBOX_DIR: join(dir, 'mail'),
    SENTRY_ENABLED: 'true',
    SENTRY_DSN: sentry.dsn,
    WEBHOOK_URLS: `${hook.url}/hook?token=${SETTINGS.WEBHOOK_TOKEN}`,
    WEBHOOK_SECRET: SETTINGS.WEBHOOK_SECRET,
    SLACK_WEBHOOK_URL: slackUrl(slack.url),
    FAULTLINE_DATA_DIR: join(dir, 'data'),
  };
  system = runRepoProcess(['packages/cli/src/main.ts', 'start'], env);
  killWithThisProcess(system.child);
  await pollUntil(
    'faultline start to say "all services ready"',
    () => system!.output().includes('all services ready') || system!.child.exitCode !== null,
    { timeoutMs: 90_000, intervalMs: 50 },
  );
  if (!system.output().includes('all services ready'))
    throw new Error(`faultline start did not get ready:\n${system.output().slice(-4000)}`);
}, 150_000);

afterAll(async () => {
  for (const p of cliRuns) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  if (system && system.child.exitCode === null) {
    system.child.kill('SIGINT');
    const timer = setTimeout(() => system?.child.kill('SIGKILL'), 45_000);
    await system.exited;
    clearTimeout(timer);
  }
  await Promise.all([sim?.close(), smtp?.close(), sentry?.close(), hook?.close(), slack?.close()]);
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 90_000);

/** An event of a producer in another language that redacts nothing: the key everywhere it can put one. */
function leakyEvent(provider: string, shapes: SecretShape[]): AlertEvent {
  const classified = classifyError(
    { status: 401, headers: {}, body: { error: { message: 'invalid key', code: 'invalid_api_key' } } },
    { provider, model: 'gpt-4o-mini' },
  );
  return {
    ...alertEventFrom(classified, {
      id: `leaky-${provider}-${Date.now()}`,
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date(),
    }),
    message: externalText(shapes),
    requestId: shapes[0]!.leak,
    context: Object.fromEntries(shapes.map((s) => [`ctx_${s.id}`, s.leak])),
  };
}

/** Mail as a person reads it: the raw message, and each of its parts decoded. */
function mailText(raw: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  const decoded = parts.map((part) => {
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) return '';
    const head = part.slice(0, split.index);
    const body = part.slice(split.index + split[0].length);
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
    if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (encoding !== 'quoted-printable') return body;
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
  return [raw, ...decoded].join('\n');
}

/**
 * Every key of the system in Redis with its value, one outlet per key so a leak names it. A generation
 * job's `data` is the producer's own payload (its prompt, read by the worker): the dashboard shows it
 * redacted, the key itself is not ours to rewrite.
 */
async function redisDump(url: string): Promise<Record<string, string>> {
  const r = createRedis(url);
  const out: Record<string, string> = {};
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await r.type(key);
        let value: unknown;
        if (type === 'string') value = await r.get(key);
        else if (type === 'hash') {
          const h = await r.hgetall(key);
          if (key.startsWith(`${PREFIX}:${QUEUES.generation}:`)) delete h.data;
          value = h;
        } else if (type === 'list') value = await r.lrange(key, 0, -1);
        else if (type === 'set') value = await r.smembers(key);
        else if (type === 'zset') value = await r.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await r.xrange(key, '-', '+');
        out[`redis ${key}`] = `${key} ${JSON.stringify(value)}`;
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return out;
}

async function get(url: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${SETTINGS.OPS_TOKEN}` } });
  return `${res.status} ${await res.text()}`;
}

/** What bull-board's API shows of every queue's jobs, and of each generation job on its own. */
async function dashboardText(): Promise<string> {
  const base = `${opsUrl}/dashboard/api/queues`;
  const list = JSON.parse((await get(base)).replace(/^\d+ /, '')) as { queues: { name: string }[] };
  const pages: string[] = [];
  for (const { name } of list.queues)
    for (const status of ['latest', 'failed', 'completed'])
      pages.push(
        await get(`${base}?activeQueue=${encodeURIComponent(name)}&status=${status}&jobsPerPage=100`),
      );
  pages.push(await get(`${opsUrl}/dashboard/api/job-schedulers`));
  return pages.join('\n');
}

const markersOf = (shapes: SecretShape[], format: (s: SecretShape) => string) => shapes.map(format);

describe('every secret is redacted in every outlet (issue 14, requirement 5)', () => {
  it('no outlet shows any of 46 secret shapes or a secret setting', async () => {
    const sys = system!;
    // A producer's job: secrets in metadata (secret-named keys and prose) and in the prompt.
    const producer = createRedis(env.REDIS_URL!);
    const generation = new Queue(QUEUES.generation, { connection: producer, prefix: PREFIX });
    const alerts = new Queue(QUEUES.alerts, { connection: producer, prefix: PREFIX });
    await generation.add('generate', {
      provider: 'p1',
      model: 'probe-1',
      messages: [{ role: 'user', content: `PROMPT-CANARY ${externalText(SHAPES.slice(0, 8))}` }],
      metadata: {
        ...Object.fromEntries(SHAPES.slice(0, 40).map((s) => [`m_${s.id}`, s.leak])),
        openai_key: SHAPES[17]!.value,
        upstreamApiKey: SHAPES[18]!.value,
      },
    });
    await generation.add('generate', {
      provider: 'p1',
      model: KEY_AS_MODEL,
      messages: [{ role: 'user', content: 'hello' }],
    });
    const half = Math.ceil(SHAPES.length / 2);
    await alerts.add('alert', leakyEvent('ext-a', SHAPES.slice(0, half)));
    await alerts.add('alert', leakyEvent('ext-b', SHAPES.slice(half)));

    const generateOutput = cli([
      'generate',
      ...['--provider', 'p2', '--model', 'probe-2', '--count', '1', '--timeout', '60'],
      ...['--prompt', externalText(SHAPES.slice(8, 14))],
    ]);

    // Every batch reached each channel that shows provider text (probes fail every second).
    const probeMarkers = markersOf(SHAPES, (s) => `[${s.id}]`);
    const extMarkers = markersOf(SHAPES, (s) => `(ext-${s.id})`);
    const file = () => {
      try {
        return readFileSync(env.ALERT_FILE_PATH!, 'utf8');
      } catch {
        return '';
      }
    };
    const mails = () => smtp.mails.map(mailText).join('\n');
    const bodies = (sink: typeof hook) => sink.requests.map((r) => r.body).join('\n');
    const sentryText = () => sentry.received.map((r) => r.body).join('\n');
    const channels = () => ({
      mail: mails(),
      file: file(),
      sentry: sentryText(),
      webhook: bodies(hook),
      slack: bodies(slack),
    });
    const missing = () =>
      Object.entries(channels()).flatMap(([where, text]) =>
        [...probeMarkers, ...extMarkers].filter((m) => !text.includes(m)).map((m) => `${where} ${m}`),
      );
    await pollUntil('every marker in every channel', () => missing().length === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
    }).catch(() => {
      throw new Error(`not delivered: ${missing().slice(0, 40).join(', ')}\n${sys.output().slice(-3000)}`);
    });

    // The CLI, as an operator runs it.
    const [generated, classified, list, listJson, health, healthJson, testAlert] = await Promise.all([
      generateOutput,
      cli([
        'classify',
        ...['--provider', 'p1', '--status', '401'],
        ...['--body', JSON.stringify(unauthorized(providerText(batch(0))).body)],
      ]),
      cli(['alerts', 'list']),
      cli(['alerts', 'list', '--json']),
      cli(['health']),
      cli(['health', '--json']),
      cli(['test-alert', '--timeout', '30']),
    ]);
    const dashboard = await dashboardText();
    const outlets: Record<string, string> = {
      ...channels(),
      logs: sys.output(),
      ...(await redisDump(env.REDIS_URL!)),
      metrics: await get(`${opsUrl}/metrics`),
      'status page': await get(`${opsUrl}/status`),
      'health JSON (ops)': await get(`${opsUrl}/api/monitoring/health?detail=true`),
      'health JSON (health-probe worker)': await get(healthUrl),
      'alert groups JSON': await get(`${opsUrl}/api/alerts/groups`),
      'incidents JSON': await get(`${opsUrl}/api/incidents`),
      dashboard,
      'cli generate': generated,
      'cli classify': classified,
      'cli alerts list': list,
      'cli alerts list --json': listJson,
      'cli health': health,
      'cli health --json': healthJson,
      'cli test-alert': testAlert,
    };

    // What makes the check meaningful: the text around the secrets got there.
    expect(outlets['health JSON (ops)']).toContain('[S01]');
    expect(outlets['cli health --json']).toContain('[S01]');
    expect(outlets['cli classify']).toContain('[S01]');
    expect(dashboard).toContain('m_S40');
    expect(dashboard).toContain('[hidden:');
    expect(dashboard, 'prompts are hidden unless OPS_SHOW_PROMPTS=true').not.toContain('PROMPT-CANARY');
    expect(outlets.logs, 'the SMTP refusal was logged').toMatch(/Temporary authentication failure/);

    const leaks = Object.entries(outlets).flatMap(([where, text]) =>
      SECRETS.filter((s) => text.includes(s.value) || text.includes(tailOf(s.value))).map(
        (s) => `${where}: ${s.id} ${s.name}`,
      ),
    );
    expect(leaks).toEqual([]);
    await Promise.all([generation.close(), alerts.close()]);
    producer.disconnect();
  }, 240_000);
});
