import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertEvent, type Category, type Severity } from '@faultline/core';
import { QUEUES } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationEventId } from '../src/event-id.ts';
import { startGenerationWorker } from '../src/worker.ts';
import { runProcess, silentLogger, testConfig, testEnv, until } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let generation: Queue;
let alerts: Queue;
let events: QueueEvents;
let providersDir: string;
const prefix = '{t-failures}';

/** Extra providers from FAULTLINE_PROVIDERS_FILE: a gateway, and one whose key variable is never set. */
function writeProvidersFile(baseURL: string): string {
  const file = join(providersDir, 'providers.yaml');
  writeFileSync(
    file,
    [
      'providers:',
      '  - name: openrouter',
      `    baseURL: ${baseURL}`,
      '    apiKeyEnv: OPENROUTER_API_KEY',
      '    gateway: openrouter',
      '  - name: keyless',
      `    baseURL: ${baseURL}`,
      '    apiKeyEnv: KEYLESS_API_KEY',
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  providersDir = mkdtempSync(join(tmpdir(), 'faultline-providers-'));
  const env = {
    ...testEnv(redis.url, sim, prefix),
    // Short, so a provider that never answers costs a second per attempt; every other reply is local.
    GENERATION_TIMEOUT: '1s',
    FAULTLINE_PROVIDERS_FILE: writeProvidersFile(sim.openaiBaseURL),
    OPENROUTER_API_KEY: 'sk-or-v1-test-000000000000000000000000',
  };
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  const connection = { url: redis.url };
  generation = new Queue(QUEUES.generation, { connection, prefix });
  alerts = new Queue(QUEUES.alerts, { connection, prefix });
  events = new QueueEvents(QUEUES.generation, { connection, prefix });
  await Promise.all([worker.worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([generation?.close(), alerts?.close(), events?.close()]);
  await Promise.all([sim?.close(), redis?.close()]);
  if (providersDir) rmSync(providersDir, { recursive: true, force: true });
});

const ATTEMPTS = 3;

async function runJob(provider: string, model: string, data: Record<string, unknown> = {}): Promise<Job> {
  const job = await generation.add(
    'generate',
    { provider, model, messages: [{ role: 'user', content: 'hi' }], ...data },
    { attempts: ATTEMPTS, backoff: { type: 'faultline', delay: 10 } },
  );
  await job.waitUntilFinished(events, 20_000).catch(() => {});
  return (await generation.getJob(job.id!))!;
}

/** The job's published events, each checked against the AlertEvent contract consumers parse it with. */
async function alertsFor(jobId: string): Promise<AlertEvent[]> {
  const all = await alerts.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  const published = all
    .filter((j) => j.id?.startsWith(`gen-${jobId}-`))
    .map((j) => j.data as AlertEvent)
    .sort((a, b) => a.id.localeCompare(b.id));
  for (const event of published) {
    const checked = AlertEvent.safeParse(event);
    expect(checked.error?.issues ?? [], `event ${event.id} breaks the AlertEvent contract`).toEqual([]);
  }
  return published;
}

const openaiError = (
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): SimStep => ({
  kind: 'http',
  status,
  headers,
  body: { error: { message: 'x', type: null, param: null, code: null, ...error } },
});
const anthropicError = (status: number, type: string, message: string): SimStep => ({
  kind: 'http',
  status,
  body: { type: 'error', error: { type, message } },
});

describe('every failed attempt yields exactly one classified AlertEvent; only retryable ones are retried', () => {
  type Case = {
    provider: 'openai' | 'anthropic' | 'openrouter';
    step: SimStep;
    category: Category;
    reason: string;
    severity: Severity;
    retried: boolean;
    statusCode: number | null;
  };
  const cases: [string, Case][] = [
    [
      'billing: 429 insufficient_quota',
      {
        provider: 'openai',
        step: openaiError(429, {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        }),
        category: 'billing_quota',
        reason: 'insufficient_quota',
        severity: 'CRITICAL',
        retried: false,
        statusCode: 429,
      },
    ],
    [
      'billing: Anthropic low credit',
      {
        provider: 'anthropic',
        step: anthropicError(
          400,
          'invalid_request_error',
          'Your credit balance is too low to access the Anthropic API.',
        ),
        category: 'billing_quota',
        reason: 'credit_balance_too_low',
        severity: 'CRITICAL',
        retried: false,
        statusCode: 400,
      },
    ],
    [
      'billing: gateway 402 (OpenRouter, from the providers file)',
      {
        provider: 'openrouter',
        step: {
          kind: 'http',
          status: 402,
          body: {
            error: {
              message: 'Insufficient credits. Add more using https://openrouter.ai/credits',
              code: 402,
            },
          },
        },
        category: 'billing_quota',
        reason: 'credit_balance_too_low',
        severity: 'CRITICAL',
        retried: false,
        statusCode: 402,
      },
    ],
    [
      'authentication: 401 invalid key',
      {
        provider: 'openai',
        step: openaiError(401, {
          message: 'Incorrect API key provided: sk-abc***xyz.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        }),
        category: 'authentication',
        reason: 'invalid_api_key',
        severity: 'CRITICAL',
        retried: false,
        statusCode: 401,
      },
    ],
    [
      'model_error: 404 model_not_found',
      {
        provider: 'openai',
        step: openaiError(404, {
          message: 'The model `gpt-9` does not exist or you do not have access to it.',
          type: 'invalid_request_error',
          code: 'model_not_found',
        }),
        category: 'model_error',
        reason: 'model_not_found',
        severity: 'MEDIUM',
        retried: false,
        statusCode: 404,
      },
    ],
    [
      'invalid_request: context too long',
      {
        provider: 'openai',
        step: openaiError(400, {
          message: "This model's maximum context length is 128000 tokens.",
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        }),
        category: 'invalid_request',
        reason: 'context_length_exceeded',
        severity: 'MEDIUM',
        retried: false,
        statusCode: 400,
      },
    ],
    [
      'rate_limit: 429 with retry-after-ms',
      {
        provider: 'openai',
        step: openaiError(
          429,
          {
            message: 'Rate limit reached for requests per min (RPM)',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
          { 'retry-after-ms': '30' },
        ),
        category: 'rate_limit',
        reason: 'rpm_limit',
        severity: 'HIGH',
        retried: true,
        statusCode: 429,
      },
    ],
    [
      'server_error: Anthropic 529 overloaded',
      {
        provider: 'anthropic',
        step: anthropicError(529, 'overloaded_error', 'Overloaded'),
        category: 'server_error',
        reason: 'overloaded',
        severity: 'MEDIUM',
        retried: true,
        statusCode: 529,
      },
    ],
    [
      'network_error: connection reset',
      {
        provider: 'openai',
        step: { kind: 'reset' },
        category: 'network_error',
        reason: 'connection_reset',
        severity: 'LOW',
        retried: true,
        statusCode: null,
      },
    ],
    [
      'network_error: no answer within GENERATION_TIMEOUT',
      {
        provider: 'openai',
        step: { kind: 'hang' },
        category: 'network_error',
        reason: 'timeout',
        severity: 'LOW',
        retried: true,
        statusCode: null,
      },
    ],
    [
      'unknown: an opaque 4xx that names no cause',
      {
        provider: 'openai',
        step: { kind: 'http', status: 418, body: { error: { message: 'Error' } } },
        category: 'unknown',
        reason: 'unrecognized',
        severity: 'MEDIUM',
        retried: false,
        statusCode: 418,
      },
    ],
  ];

  it.each(cases)('%s', async (name, c) => {
    const model = `m-${name.replace(/\W+/g, '-')}`;
    sim.script(model, c.step);
    const job = await runJob(c.provider, model);
    expect(await job.getState()).toBe('failed');
    const published = await alertsFor(job.id!);
    const expectedCount = c.retried ? ATTEMPTS : 1;
    expect(job.attemptsMade).toBe(expectedCount);
    expect(sim.requests(model)).toHaveLength(expectedCount);
    expect(published.map((e) => e.id)).toEqual(
      Array.from({ length: expectedCount }, (_, i) => generationEventId(job, i + 1)),
    );
    for (const event of published) {
      expect(event).toMatchObject({
        source: 'generation',
        operation: 'chat.completion',
        provider: c.provider,
        model,
        gateway: c.provider === 'openrouter' ? 'openrouter' : null,
        category: c.category,
        reason: c.reason,
        severity: c.severity,
        isRetryable: c.retried,
        statusCode: c.statusCode,
        state: 'firing',
      });
      expect(event.recommendedActions.length).toBeGreaterThan(0);
    }
    expect(job.failedReason).toMatch(new RegExp(`^${c.category}: `));
  });

  it('a success returns the GenerationResult and publishes nothing', async () => {
    sim.script('m-ok', { kind: 'success', text: 'hello there', usage: { inputTokens: 3, outputTokens: 2 } });
    const job = await runJob('anthropic', 'm-ok');
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({
      text: 'hello there',
      usage: { inputTokens: 3, outputTokens: 2 },
      provider: 'anthropic',
      model: 'm-ok',
    });
    expect(await alertsFor(job.id!)).toEqual([]);
  });

  it('a retryable failure that then succeeds completes with one event per failed attempt', async () => {
    sim.script('m-flaky', [
      anthropicError(500, 'api_error', 'Internal server error'),
      { kind: 'success', text: 'ok' },
    ]);
    const job = await runJob('anthropic', 'm-flaky');
    expect(await job.getState()).toBe('completed');
    expect((await alertsFor(job.id!)).map((e) => e.category)).toEqual(['server_error']);
  });
});

// Shaped like a key so the redactor knows it; never a real one.
const PASTED_KEY = 'sk-proj-PASTEDKEY0000000000000000';

describe('a malformed job fails visibly', () => {
  it.each([
    ['missing messages', { messages: undefined }, /messages/],
    ['bad role', { messages: [{ role: 'robot', content: 'x' }] }, /messages\[0\]\.role/],
    ['unknown provider', { provider: 'nope' }, /unknown provider "nope"/],
    ['a key pasted as the provider', { provider: PASTED_KEY }, /unknown provider "\[redacted-key\]"/],
    ['a key pasted as a field name', { [PASTED_KEY]: 'x' }, /\[redacted-key\]: unknown field/],
  ])(
    '%s: failed with a message naming the field and one invalid_request event',
    async (_name, patch, message) => {
      const job = await runJob((patch as { provider?: string }).provider ?? 'openai', 'm-any', patch);
      expect(await job.getState()).toBe('failed');
      expect(job.failedReason).toMatch(message);
      expect(job.attemptsMade).toBe(1);
      const [event, ...rest] = await alertsFor(job.id!);
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        category: 'invalid_request',
        severity: 'MEDIUM',
        isRetryable: false,
        operation: 'chat.completion',
        reason: expect.stringMatching(/invalid_job_payload|unknown_provider/),
      });
      expect(event!.message).toMatch(message);
      // What the producer pasted is quoted back in the message: never the key itself.
      expect(JSON.stringify(event)).not.toContain(PASTED_KEY);
      expect(job.failedReason).not.toContain(PASTED_KEY);
    },
  );
});

describe('providers from FAULTLINE_PROVIDERS_FILE', () => {
  it('a provider whose key variable is unset fails once as authentication, without a call', async () => {
    const job = await runJob('keyless', 'm-keyless');
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(sim.requests('m-keyless')).toEqual([]);
    const [event, ...rest] = await alertsFor(job.id!);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      provider: 'keyless',
      category: 'authentication',
      reason: 'missing_api_key',
      severity: 'CRITICAL',
      isRetryable: false,
    });
    expect(event!.message).toContain('KEYLESS_API_KEY');
  });

  it('a bad providers file stops the worker at start-up, naming the entry and the field', async () => {
    const file = join(providersDir, 'bad-providers.yaml');
    writeFileSync(
      file,
      [
        'providers:',
        '  - name: together',
        `    baseURL: ${sim.openaiBaseURL}`,
        '    apiKeyEnv: TOGETHER_API_KEY',
        '  - name: groq',
        `    baseURL: ${sim.openaiBaseURL}`,
        '    apiKeyEnv: groq-key',
        '',
      ].join('\n'),
    );
    const proc = runProcess(['services/generation-worker/src/main.ts'], {
      ...testEnv(redis.url, sim, '{t-bad-providers}'),
      FAULTLINE_PROVIDERS_FILE: file,
    });
    expect(await proc.exited).toBe(3);
    expect(proc.output()).toMatch(
      /FAULTLINE_PROVIDERS_FILE: .*providers\[1\]\.apiKeyEnv: expected an environment variable name/,
    );
  });
});

describe('a rate limit slows the worker for that provider', () => {
  it('later jobs for the provider wait out the pause without spending attempts', async () => {
    sim.script('m-limited', [
      {
        kind: 'http',
        status: 429,
        headers: { 'retry-after-ms': '400' },
        body: {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
        },
      },
      { kind: 'success', text: 'ok' },
    ]);
    const first = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-limited', messages: [{ role: 'user', content: 'a' }] },
      { attempts: 3, backoff: { type: 'faultline', delay: 10 } },
    );
    await until('the rate limit to be seen', async () => sim.requests('m-limited').length >= 1);
    const pausedAt = Date.now();
    const second = await generation.add(
      'generate',
      { provider: 'openai', model: 'm-limited', messages: [{ role: 'user', content: 'b' }] },
      { attempts: 1 },
    );
    await Promise.all([first.waitUntilFinished(events, 10_000), second.waitUntilFinished(events, 10_000)]);
    const requests = sim.requests('m-limited');
    expect(requests).toHaveLength(3);
    // No request reached the provider before the retry-after it asked for had passed.
    expect(Math.min(requests[1]!.at, requests[2]!.at) - pausedAt).toBeGreaterThanOrEqual(300);
    expect((await generation.getJob(second.id!))!.attemptsMade).toBe(1);
  });
});
