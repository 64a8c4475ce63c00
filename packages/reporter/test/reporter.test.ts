import Anthropic from '@anthropic-ai/sdk';
import { createRedis, JOB_NAMES, modelHealthStore, QUEUES, redisKeys } from '@faultline/client';
import { type AlertEvent, modelKey, statusOf } from '@faultline/core';
import {
  KEY_REVOKED_401,
  type ProviderSimulator,
  pollUntil,
  QUOTA_429,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../../../services/generation-worker/src/worker.ts';
import { testConfig, testEnv } from '../../../services/generation-worker/test/support.ts';
import { closeDefaultReporter, createReporter, instrument, type Reporter } from '../src/index.ts';
import { alertingOn, alertLines, silent } from './support.ts';

/** Anthropic's answer to a wrong or revoked key (docs.anthropic.com/en/api/errors). */
const ANTHROPIC_KEY_401: SimStep = {
  kind: 'http',
  status: 401,
  body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
};

const OPENAI_KEY = 'sk-test-0000000000000000000000000000';
const ANTHROPIC_KEY = 'sk-ant-test-00000000000000000000000000';
const messages = [{ role: 'user' as const, content: 'hello' }];

let redis: TestRedis;
let sim: ProviderSimulator;
// Two deployments on one Redis: the generation worker's path and the reporter's, each with its own alerter.
const workerPrefix = '{t-rep-worker}';
const appPrefix = '{t-rep-app}';
let viaWorker: Awaited<ReturnType<typeof alertingOn>>;
let viaApp: Awaited<ReturnType<typeof alertingOn>>;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let reporter: Reporter;
let openai: OpenAI;
let anthropic: Anthropic;
const reporterWarnings: Error[] = [];

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  [viaWorker, viaApp] = await Promise.all([
    alertingOn(redis.url, workerPrefix),
    alertingOn(redis.url, appPrefix),
  ]);
  const env = testEnv(redis.url, sim, workerPrefix);
  worker = startGenerationWorker(testConfig(env), env, silent);
  generation = new Queue(QUEUES.generation, { connection: { url: redis.url }, prefix: workerPrefix });
  reporter = createReporter({
    redis: redis.url,
    prefix: appPrefix,
    onError: (e) => reporterWarnings.push(e),
  });
  // The app's own clients, as it made them before Faultline: the SDKs' default retries included.
  openai = reporter.instrument(new OpenAI({ apiKey: OPENAI_KEY, baseURL: sim.openaiBaseURL }), {
    provider: 'openai',
  });
  anthropic = reporter.instrument(new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: sim.anthropicBaseURL }), {
    provider: 'anthropic',
  });
});

afterAll(async () => {
  await reporter?.close();
  await worker?.close();
  await generation?.close();
  await Promise.all([viaWorker?.close(), viaApp?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
});

const mailFor = async (mails: { subject: string; raw: string }[], model: string) => {
  let found: { subject: string; raw: string } | undefined;
  await pollUntil(
    `an alert mail for ${model}`,
    () => {
      found = mails.find((m) => m.raw.includes(`Model: ${model}`));
      return Boolean(found);
    },
    { timeoutMs: 20_000 },
  );
  return found!;
};

/** What the app sees from a call, whatever it is: the value, or the error's class, status and message. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    (value) => ({ value }),
    (error: Error & { status?: number }) => ({
      error: error.constructor.name,
      status: error.status,
      message: error.message,
      isSdkError: error instanceof OpenAI.APIError || error instanceof Anthropic.APIError,
    }),
  );

describe('a failing call alerts as the generation worker would for the same provider answer', () => {
  it.each([
    ['openai', 'gpt-rep-quota', 'RateLimitError', QUOTA_429, 'Billing Quota', 'CRITICAL'],
    ['openai', 'gpt-rep-key', 'AuthenticationError', KEY_REVOKED_401, 'Authentication', 'CRITICAL'],
    ['anthropic', 'claude-rep-key', 'AuthenticationError', ANTHROPIC_KEY_401, 'Authentication', 'CRITICAL'],
  ] as const)(
    '%s %s: the same mail, and the app still gets the SDK’s %s',
    async (provider, model, errorClass, step, title, severity) => {
      sim.script(model, step);
      const call =
        provider === 'openai'
          ? openai.chat.completions.create({ model, messages })
          : anthropic.messages.create({ model, max_tokens: 16, messages });
      const seen = await outcome(call);
      expect(seen).toMatchObject({ error: errorClass, isSdkError: true });

      await generation.add(JOB_NAMES.generate, { provider, model, messages }, { attempts: 1 });
      const [fromApp, fromWorker] = await Promise.all([
        mailFor(viaApp.mails, model),
        mailFor(viaWorker.mails, model),
      ]);
      expect(fromApp.subject).toContain(`${title} (${provider})`);
      expect(alertLines(fromApp)).toContain(`Severity: ${severity}`);
      expect(alertLines(fromApp)).toEqual(alertLines(fromWorker));
    },
  );
});

describe('the app’s calls behave as without Faultline', () => {
  it('an instrumented client throws the very error an uninstrumented one does', async () => {
    sim.script('gpt-rep-same', QUOTA_429);
    const plain = new OpenAI({ apiKey: OPENAI_KEY, baseURL: sim.openaiBaseURL, maxRetries: 0 });
    const watched = reporter.instrument(
      new OpenAI({ apiKey: OPENAI_KEY, baseURL: sim.openaiBaseURL, maxRetries: 0 }),
      { provider: 'openai' },
    );
    const [a, b] = await Promise.all([
      outcome(plain.chat.completions.create({ model: 'gpt-rep-same', messages })),
      outcome(watched.chat.completions.create({ model: 'gpt-rep-same', messages })),
    ]);
    expect(b).toEqual(a);
    expect(watched).toBeInstanceOf(OpenAI);
    // The client's own members work through the wrapper: options, private state, raw requests.
    expect(watched.baseURL).toBe(plain.baseURL);
    expect(watched.withOptions({ timeout: 1_000 })).toBeInstanceOf(OpenAI);
    const models = await watched.models.list();
    expect(models.data.length).toBeGreaterThanOrEqual(0);
    expect(await watched.get('/models/gpt-rep-any')).toMatchObject({ id: 'gpt-rep-any' });
  });

  it('withResponse() and asResponse() still work, and successes mark the model healthy', async () => {
    const model = 'gpt-rep-ok';
    sim.script(model, { kind: 'success', text: 'fine' });
    const { data, response } = await openai.chat.completions.create({ model, messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('fine');
    expect(response.status).toBe(200);
    const raw = await openai.chat.completions.create({ model, messages }).asResponse();
    expect(((await raw.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    const reply = await anthropic.messages.create({ model: 'claude-rep-ok', max_tokens: 16, messages });
    expect(reply.content[0]).toMatchObject({ type: 'text' });

    const conn = createRedis(redis.url);
    const store = modelHealthStore(conn, redisKeys(appPrefix));
    try {
      for (const [provider, m, calls] of [
        ['openai', model, 2],
        ['anthropic', 'claude-rep-ok', 1],
      ] as const)
        await pollUntil(`${provider}/${m} healthy from the app's traffic`, async () => {
          const h = await store.read(modelKey(provider, m));
          return h.window.length === calls && statusOf(h, { slowMs: 5_000 }) === 'healthy';
        });
      // Traffic's health expires like the generation worker's (MODEL_HEALTH_TTL, a week by default).
      const ttl = await conn.pttl(redisKeys(appPrefix).modelHealth(modelKey('openai', model)));
      expect(ttl).toBeGreaterThan(6 * 86_400_000);
    } finally {
      conn.disconnect();
    }
  });

  it('a stream that fails before it starts, and one that fails mid-way, are both reported', async () => {
    sim.script('gpt-rep-stream-429', QUOTA_429);
    const early = await outcome(
      openai.chat.completions.create({ model: 'gpt-rep-stream-429', messages, stream: true }),
    );
    expect(early).toMatchObject({ error: 'RateLimitError' });

    sim.script('gpt-rep-stream-mid', {
      kind: 'stream-error',
      afterChunks: 2,
      error: { message: 'The server had an error while processing your request.', type: 'server_error' },
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-rep-stream-mid',
      messages,
      stream: true,
    });
    const chunks: unknown[] = [];
    const midway = await outcome(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
    );
    expect(midway).toMatchObject({ error: 'APIError', isSdkError: true });
    expect(chunks.length).toBeGreaterThan(0);

    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix: appPrefix });
    try {
      let events: AlertEvent[] = [];
      await pollUntil('both stream failures on the alerts queue', async () => {
        const jobs = await alerts.getJobs(['completed', 'waiting', 'active', 'delayed']);
        events = jobs.map((j) => j.data as AlertEvent).filter((e) => e.model?.startsWith('gpt-rep-stream'));
        return events.length === 2;
      });
      expect(events.map((e) => [e.model, e.category, e.operation]).sort()).toEqual([
        ['gpt-rep-stream-429', 'billing_quota', 'chat.completions.create'],
        ['gpt-rep-stream-mid', 'server_error', 'chat.completions.create'],
      ]);
    } finally {
      await alerts.close();
    }
  });

  it('report() takes an error the app caught, or a raw response, and never throws', async () => {
    // A provider of its own: openai's billing incident is one group, already mailed above.
    const event = reporter.report(
      { status: 429, body: (QUOTA_429 as { body: unknown }).body, headers: {} },
      { provider: 'azure', model: 'gpt-rep-raw' },
    );
    expect(event).toMatchObject({ category: 'billing_quota', severity: 'CRITICAL', source: 'generation' });
    expect(reporter.report(new Error('socket hang up'), { provider: 'openai' })).toMatchObject({
      provider: 'openai',
    });
    expect(() => reporter.report(undefined, undefined as never)).not.toThrow();
    const mail = await mailFor(viaApp.mails, 'gpt-rep-raw');
    expect(mail.subject).toContain('Billing Quota (azure)');
    expect(reporterWarnings).toEqual([]);
  });
});

describe('the module-level instrument() and report()', () => {
  it('use a default reporter made from REDIS_URL and QUEUE_PREFIX', async () => {
    const saved = { url: process.env.REDIS_URL, prefix: process.env.QUEUE_PREFIX };
    process.env.REDIS_URL = redis.url;
    process.env.QUEUE_PREFIX = '{t-rep-default}';
    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix: '{t-rep-default}' });
    try {
      sim.script('gpt-rep-default', QUOTA_429);
      const client = instrument(
        new OpenAI({ apiKey: OPENAI_KEY, baseURL: sim.openaiBaseURL, maxRetries: 0 }),
        {
          provider: 'openai',
          model: 'gpt-rep-default-as-named',
        },
      );
      expect(
        await outcome(client.chat.completions.create({ model: 'gpt-rep-default', messages })),
      ).toMatchObject({
        error: 'RateLimitError',
      });
      await closeDefaultReporter();
      const events = (await alerts.getJobs(['waiting', 'completed'])).map((j) => j.data as AlertEvent);
      expect(events.map((e) => [e.provider, e.model, e.category])).toEqual([
        ['openai', 'gpt-rep-default-as-named', 'billing_quota'],
      ]);
    } finally {
      await alerts.close();
      process.env.REDIS_URL = saved.url;
      process.env.QUEUE_PREFIX = saved.prefix;
      if (saved.url === undefined) delete process.env.REDIS_URL;
      if (saved.prefix === undefined) delete process.env.QUEUE_PREFIX;
    }
  });
});
