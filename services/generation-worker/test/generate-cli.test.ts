import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LastError, modelKey } from '@faultline/core';
import { createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationWorker } from '../src/worker.ts';
import { runProcess, silentLogger, testConfig, testEnv } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
let worker: ReturnType<typeof startGenerationWorker>;
let env: Record<string, string>;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  env = testEnv(redis.url, sim, '{t-cli}');
  worker = startGenerationWorker(testConfig(env), env, silentLogger);
  await worker.worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close(1000);
  await Promise.all([sim?.close(), redis?.close()]);
});

async function generate(args: string[], extraEnv: Record<string, string> = {}) {
  const proc = runProcess(['packages/cli/src/main.ts', 'generate', ...args], { ...env, ...extraEnv });
  const code = await proc.exited;
  return { code, output: proc.output() };
}

const fail = (status: number, error: Record<string, unknown>): SimStep => ({
  kind: 'http',
  status,
  body: { error },
});
const invalid = fail(400, {
  message: 'Unsupported parameter: foo',
  type: 'invalid_request_error',
  code: 'unsupported_parameter',
});

describe('faultline generate exits with the code a cron job acts on', () => {
  it.each<[string, number, string, SimStep[]]>([
    ['0 when every job succeeded', 0, 'gen-ok', [{ kind: 'success' }]],
    ['1 when some failed', 1, 'gen-some', [invalid, { kind: 'success' }]],
    ['2 when all failed', 2, 'gen-all', [invalid]],
    [
      '5 on a billing_quota error',
      5,
      'gen-billing',
      [
        fail(429, {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        }),
      ],
    ],
    [
      '6 on an authentication error',
      6,
      'gen-auth',
      [
        fail(401, {
          message: 'Incorrect API key provided',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        }),
      ],
    ],
    [
      '6 over 5 when both occur',
      6,
      'gen-both',
      [
        fail(401, { message: 'Incorrect API key provided', code: 'invalid_api_key' }),
        fail(429, { message: 'You exceeded your current quota', code: 'insufficient_quota' }),
        { kind: 'success' },
      ],
    ],
  ])('%s', async (_name, expected, model, steps) => {
    sim.script(model, steps);
    const { code, output } = await generate([
      '--count',
      '4',
      '--provider',
      'openai',
      '--model',
      model,
      '--timeout',
      '30',
    ]);
    expect({ code, output }).toMatchObject({ code: expected });
    const summary = JSON.parse(output.slice(output.indexOf('{\n')));
    expect(summary.total).toBe(4);
    expect(summary.succeeded + summary.failed).toBe(4);
  });

  it('writes the summary with its error_classification to METRICS_FILE_PATH', async () => {
    sim.script('gen-file', [
      fail(429, { message: 'You exceeded your current quota', code: 'insufficient_quota' }),
      { kind: 'success' },
    ]);
    const file = join(tmpdir(), `faultline-metrics-${process.pid}.json`);
    const { code } = await generate(['--count', '3', '--model', 'gen-file'], { METRICS_FILE_PATH: file });
    expect(code).toBe(5);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.error_classification).toEqual({
      by_category: { billing_quota: 1 },
      by_severity: { critical: 1 },
      critical_errors: 1,
      total_classified_errors: 1,
    });
    expect(written).toMatchObject({ succeeded: 2, failed: 1 });
    expect(written.latency_ms.p50).toBeGreaterThanOrEqual(0);
  });

  it.each<[string, number, string, LastError]>([
    [
      '5 when the breaker is open because the credit ran out',
      5,
      'gen-open-broke',
      {
        category: 'billing_quota',
        reason: 'insufficient_quota',
        statusCode: 429,
        message: 'You exceeded your current quota',
      },
    ],
    [
      '6 when the breaker is open because the key was revoked',
      6,
      'gen-open-revoked',
      {
        category: 'authentication',
        reason: 'invalid_api_key',
        statusCode: 401,
        message: 'Incorrect API key provided',
      },
    ],
  ])('%s: every job refused without a call', async (_name, expected, model, lastError) => {
    const conn = createRedis(redis.url);
    try {
      await modelHealthStore(conn, redisKeys(env.QUEUE_PREFIX!)).update(modelKey('openai', model), (h) => ({
        state: { ...h, breaker: 'open', failureCategory: lastError.category, lastError },
        result: null,
      }));
    } finally {
      conn.disconnect();
    }
    sim.script(model, { kind: 'success' });
    const { code, output } = await generate(['--count', '3', '--model', model, '--timeout', '30']);
    expect({ code, output }).toMatchObject({ code: expected });
    const summary = JSON.parse(output.slice(output.indexOf('{\n')));
    expect(summary).toMatchObject({ total: 3, failed: 3 });
    expect(summary.error_classification.by_category).toEqual({ [lastError.category]: 3 });
    expect(sim.requests(model)).toEqual([]);
  });

  it.each([
    [
      '3 on a bad setting, naming it',
      3,
      ['--count', '1'],
      { GENERATION_CONCURRENCY: '1', REDIS_URL: 'http://nope' },
      /REDIS_URL/,
    ],
    [
      '3 on an unknown provider',
      3,
      ['--count', '1', '--provider', 'mystery'],
      {},
      /unknown provider "mystery"/,
    ],
    ['3 on a bad count', 3, ['--count', 'ten'], {}, /--count must be a whole number/],
    [
      '4 when Redis is unreachable, naming the URL',
      4,
      ['--count', '1'],
      { REDIS_URL: 'redis://127.0.0.1:1' },
      /unreachable at redis:\/\/127\.0\.0\.1:1/,
    ],
  ])('%s', async (_name, expected, args, extraEnv, message) => {
    const { code, output } = await generate(args, extraEnv);
    expect(code).toBe(expected);
    expect(output).toMatch(message);
  });
});
