import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelKey } from '@faultline/core';
import { ConfigError, createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import {
  type ProviderSimulator,
  pollUntil,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelsFile } from '../src/models.ts';
import { down, probeEnv, startProbe } from './support.ts';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

const dir = mkdtempSync(join(tmpdir(), 'faultline-cron-'));
const write = (name: string, body: object) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};
const providersFile = write('providers.json', {
  providers: [{ name: 'acme', baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'ACME_API_KEY' }],
});
const brokenModels = write('models-broken.json', {
  models: [
    { id: 'gpt-4o-mini', provider: 'openai' },
    { id: 'broke-model', provider: 'acmee' },
    { id: 'acme-model', provider: 'acme' },
  ],
});
const UNKNOWN =
  'models[1] (broke-model).provider: unknown provider "acmee": configured are openai, anthropic, acme (add it to FAULTLINE_PROVIDERS_FILE)';

describe('a models-file entry whose provider is not configured', () => {
  it('is refused, naming the entry and the configured providers', () => {
    let error: unknown;
    try {
      readModelsFile(brokenModels, { FAULTLINE_PROVIDERS_FILE: providersFile });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`FAULTLINE_MODELS_FILE: ${brokenModels}: ${UNKNOWN}`);
    // The provider of the providers file is known: only the one entry is named.
    expect((error as Error).message).not.toContain('acme-model');
  });

  it('without FAULTLINE_PROVIDERS_FILE only the built-in providers are configured', () => {
    const file = write('models-acme.json', { models: [{ id: 'acme-model', provider: 'acme' }] });
    expect(() => readModelsFile(file, {})).toThrow(
      /models\[0\] \(acme-model\)\.provider: unknown provider "acme": configured are openai, anthropic \(add it/,
    );
    expect(readModelsFile(file, { FAULTLINE_PROVIDERS_FILE: providersFile }).map((m) => m.id)).toEqual([
      'acme-model',
    ]);
  });

  it('stops the health-probe worker at start with exit 3', async () => {
    const proc = runRepoProcess(['services/health-probe-worker/src/main.ts'], {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `{t-cron-${process.pid}-unknown}`,
      FAULTLINE_MODELS_FILE: brokenModels,
      FAULTLINE_PROVIDERS_FILE: providersFile,
      HEALTH_PORT: '0',
    });
    // A worker that started anyway is stopped, not left behind, and the test fails on its output.
    const code = await Promise.race([
      proc.exited,
      new Promise<string>((r) => setTimeout(() => r('still running after 20 s'), 20_000)),
    ]);
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    expect(code, proc.output()).toBe(3);
    expect(proc.output()).toContain(UNKNOWN);
    expect(proc.output()).not.toMatch(/ready/);
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });
});

describe('GET /health', () => {
  it('carries the models counts, the same as /api/monitoring/health', async () => {
    sim.script('live-ok', { kind: 'success' });
    sim.script('live-down', down);
    const env = probeEnv(
      redis.url,
      sim,
      [
        { id: 'live-ok', provider: 'openai', interval: '200ms' },
        { id: 'live-down', provider: 'openai', interval: '200ms' },
      ],
      { BREAKER_FAILURE_THRESHOLD: '1' },
    );
    const probe = await startProbe(env);
    try {
      await pollUntil(
        'both probed',
        async () =>
          (await probe.store.read(modelKey('openai', 'live-down'))).breaker === 'open' &&
          (await probe.store.read(modelKey('openai', 'live-ok'))).window.length > 0,
      );
      const live = await fetch(`${probe.apiUrl}/health`);
      expect(live.status).toBe(200);
      const body = (await live.json()) as { models: object };
      expect(body).toEqual({
        status: 'ok',
        redis: true,
        schedulers: 2,
        expected_schedulers: 2,
        models: { total: 2, healthy: 1, degraded: 0, unhealthy: 1 },
      });
      const summary = (await (await fetch(`${probe.apiUrl}/api/monitoring/health`)).json()) as {
        models: object;
      };
      expect(body.models).toEqual(summary.models);
    } finally {
      await probe.close();
    }
  });
});

describe('faultline health against a running health-probe worker', () => {
  it('exits 0 while its probes run, and 1 ("probe stale") once they stopped for two intervals', async () => {
    sim.script('cron-a', { kind: 'success' });
    sim.script('cron-b', { kind: 'success' });
    const env = probeEnv(redis.url, sim, [
      { id: 'cron-a', provider: 'openai', interval: '300ms' },
      { id: 'cron-b', provider: 'anthropic', interval: '300ms' },
    ]);
    const probe = await startProbe(env);
    let closed = false;
    try {
      await pollUntil(
        'both probed',
        async () =>
          (await probe.store.read(modelKey('openai', 'cron-a'))).lastProbeAt !== null &&
          (await probe.store.read(modelKey('anthropic', 'cron-b'))).lastProbeAt !== null,
      );
      const ok = runRepoProcess(['packages/cli/src/main.ts', 'health'], env);
      expect(await ok.exited, ok.output()).toBe(0);
      expect(ok.output()).toMatch(
        /^openai\s+cron-a\s+healthy\s+closed\s+100%\s+\d+\s+0\s+\d+s ago\s+-\s+-$/m,
      );
      expect(ok.output()).toMatch(/^ok: every model healthy and probed within two of its intervals$/m);

      await probe.close();
      closed = true;
      // Stale after max(2 × 300 ms, 300 ms + the 2 s PROBE_TIMEOUT) = 2.3 s without a probe.
      const conn = createRedis(env.REDIS_URL!);
      const last = (
        await modelHealthStore(conn, redisKeys(env.QUEUE_PREFIX!)).read(modelKey('openai', 'cron-a'))
      ).lastProbeAt!;
      conn.disconnect();
      await pollUntil('the probes to go stale', () => Date.now() - last > 2500, { timeoutMs: 5000 });
      const stale = runRepoProcess(['packages/cli/src/main.ts', 'health'], env);
      expect(await stale.exited, stale.output()).toBe(1);
      expect(stale.output()).toMatch(/^openai\s+cron-a\s+healthy\s+.*probe stale \(last \d+s ago\)/m);
      expect(stale.output()).toMatch(
        /^ {2}openai\/cron-a: probe stale \(last \d+s ago, expected every 300ms\)$/m,
      );
    } finally {
      if (!closed) await probe.close();
    }
  }, 30_000);
});
