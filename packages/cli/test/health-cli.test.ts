import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITIAL_HEALTH, type ModelHealth, modelKey } from '@faultline/core';
import { createRedis, JOB_NAMES, modelHealthStore, QUEUES, redisKeys } from '@faultline/runtime';
import { runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
let conn: ReturnType<typeof createRedis>;
beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  await redis?.close();
});

const dir = mkdtempSync(join(tmpdir(), 'faultline-health-cli-'));
let n = 0;
/** A fresh queue prefix (an empty Redis as far as the CLI can tell) and, given models, a models file. */
function setup(models?: object[]) {
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `{t-health-cli-${process.pid}-${n++}}`,
    LOG_LEVEL: 'warn',
  };
  if (models) {
    const file = join(dir, `models-${n}.json`);
    writeFileSync(file, JSON.stringify({ models }));
    env.FAULTLINE_MODELS_FILE = file;
  }
  return env;
}

async function health(env: Record<string, string>, ...args: string[]) {
  const proc = runRepoProcess(['packages/cli/src/main.ts', 'health', ...args], env);
  return { code: await proc.exited, out: proc.output() };
}

async function writeHealth(env: Record<string, string>, provider: string, id: string, h: ModelHealth) {
  const store = modelHealthStore(conn, redisKeys(env.QUEUE_PREFIX!));
  await store.update(modelKey(provider, id), () => ({ state: h, result: null }));
}

const FINE = (lastProbeAt: number): ModelHealth => ({
  ...INITIAL_HEALTH,
  window: [{ ok: 1, ms: 42 }],
  lastSuccess: lastProbeAt,
  lastProbeAt,
});

describe('faultline health exits non-zero, saying why', () => {
  it('(a) an empty Redis and a models file whose models were never probed: 1, "not probed"', async () => {
    const env = setup([
      { id: 'never-a', provider: 'openai', interval: '30s' },
      { id: 'never-b', provider: 'anthropic' },
    ]);
    const { code, out } = await health(env);
    expect(code, out).toBe(1);
    expect(out).toMatch(/^openai\s+never-a\s+-\s+closed\s+100%\s+-\s+0\s+not probed\s+-\s+-$/m);
    expect(out).toMatch(/^ {2}openai\/never-a: not probed \(expected every 30s\)$/m);
    expect(out).toMatch(/^ {2}anthropic\/never-b: not probed \(expected every 1m\)$/m);
    expect(out).toMatch(/^not healthy: 2 of 2 models$/m);
    expect(out).toContain('is the health-probe worker running');
  });

  it('(b) zero models: 1, naming what to set, in the table and in --json', async () => {
    const env = setup();
    const text = await health(env);
    expect(text.code, text.out).toBe(1);
    expect(text.out).toContain('no models: set FAULTLINE_MODELS_FILE or start the health-probe worker');
    const json = await health(env, '--json');
    expect(json.code, json.out).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      healthy: false,
      problems: ['no models: set FAULTLINE_MODELS_FILE or start the health-probe worker'],
      models: { total: 0 },
    });
  });

  it('(c) a model probed long ago: 1, "probe stale (last 1h ago)", also in --json', async () => {
    const env = setup([
      { id: 'fresh-one', provider: 'openai', interval: '1m' },
      { id: 'old-one', provider: 'openai', interval: '1m' },
    ]);
    await writeHealth(env, 'openai', 'fresh-one', FINE(Date.now()));
    await writeHealth(env, 'openai', 'old-one', FINE(Date.now() - 3_600_000 - 5000));
    const { code, out } = await health(env);
    expect(code, out).toBe(1);
    expect(out).toMatch(
      /^openai\s+old-one\s+healthy\s+closed\s+100%\s+42\s+0\s+probe stale \(last 1h ago\)/m,
    );
    expect(out).toMatch(/^openai\s+fresh-one\s+healthy\s+closed\s+100%\s+42\s+0\s+\d+s ago/m);
    expect(out).toMatch(/^ {2}openai\/old-one: probe stale \(last 1h ago, expected every 1m\)$/m);
    expect(out).not.toMatch(/^ {2}openai\/fresh-one/m);

    const json = await health(env, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out);
    expect(report).toMatchObject({ healthy: false, probes: { fresh: 1, stale: 1, not_probed: 0 } });
    const old = report.details.find((d: { model_id: string }) => d.model_id === 'old-one');
    expect(old.probe).toMatchObject({
      state: 'stale',
      interval_ms: 60_000,
      interval_from: 'models_file',
      stale_after_ms: 120_000,
    });
    expect(old.probe.age_ms).toBeGreaterThan(3_600_000);
  });

  it('(d) REDIS_URL naming database 99, which the server does not have: 4, not healthy', async () => {
    const env = { ...setup([{ id: 'm', provider: 'openai' }]), REDIS_URL: `${redis.url}/99` };
    const { code, out } = await health(env);
    expect(code, out).toBe(4);
    expect(out).toMatch(
      /Redis at redis:\/\/127\.0\.0\.1:\d+\/99 answered with an error: ERR DB index is out of range/,
    );
    expect(out).toContain('REDIS_URL');
    expect(out).not.toMatch(/healthy \(/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it("without a models file, the interval is the probe worker scheduler's: stale after its 1s and the probe timeout", async () => {
    const env = setup();
    const probes = new Queue(QUEUES.healthProbes, { connection: conn, prefix: env.QUEUE_PREFIX! });
    await probes.upsertJobScheduler(
      'probe-openai_sched-m',
      { every: 1000, startDate: Date.now() + 3_600_000 },
      { name: JOB_NAMES.probe, data: { provider: 'openai', model: 'sched-m' } },
    );
    // And one the worker schedules but never probed: no health in Redis at all.
    await probes.upsertJobScheduler(
      'probe-openai_sched-new',
      { every: 2000, startDate: Date.now() + 3_600_000 },
      { name: JOB_NAMES.probe, data: { provider: 'openai', model: 'sched-new' } },
    );
    await probes.close();
    // 30 s ago: fresh by the 60 s default (stale after 2 min), stale by the scheduler's 1 s (after
    // 1 s + the 10 s PROBE_TIMEOUT).
    await writeHealth(env, 'openai', 'sched-m', FINE(Date.now() - 30_000));
    const { code, out } = await health(env, '--json');
    expect(code, out).toBe(1);
    const details = JSON.parse(out).details as { model_id: string; probe: object }[];
    expect(details.map((d) => [d.model_id, d.probe])).toEqual([
      ['sched-m', expect.objectContaining({ state: 'stale', interval_ms: 1000, interval_from: 'scheduler' })],
      [
        'sched-new',
        expect.objectContaining({ state: 'not_probed', interval_ms: 2000, interval_from: 'scheduler' }),
      ],
    ]);
  });
});

describe('faultline health exits 0', () => {
  it('when every model is healthy and freshly probed', async () => {
    const env = setup([
      { id: 'ok-a', provider: 'openai', interval: '1m' },
      { id: 'ok-b', provider: 'anthropic', interval: '30s' },
    ]);
    await writeHealth(env, 'openai', 'ok-a', FINE(Date.now()));
    await writeHealth(env, 'anthropic', 'ok-b', FINE(Date.now() - 20_000));
    const { code, out } = await health(env);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^ok: every model healthy and probed within two of its intervals$/m);
    const json = await health(env, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      healthy: true,
      problems: [],
      probes: { fresh: 2, stale: 0, not_probed: 0 },
    });
  });
});

describe('the table', () => {
  it('has a LAST ERROR column (category, reason, status code), every column aligned', async () => {
    const env = setup([
      { id: 'billing-model-with-a-long-name', provider: 'openai', interval: '1m' },
      { id: 'ok', provider: 'anthropic', interval: '1m' },
      { id: 'never', provider: 'openai', interval: '1m' },
    ]);
    const now = Date.now();
    await writeHealth(env, 'openai', 'billing-model-with-a-long-name', {
      ...INITIAL_HEALTH,
      breaker: 'open',
      openedAt: now - 60_000,
      consecutiveFailures: 3,
      window: [
        { ok: 0, ms: 80 },
        { ok: 0, ms: 75 },
        { ok: 0, ms: 90 },
      ],
      errorCount: 3,
      lastFailure: now - 60_000,
      failureCategory: 'billing_quota',
      lastError: {
        category: 'billing_quota',
        reason: 'insufficient_quota',
        statusCode: 429,
        message: 'You exceeded your current quota',
      },
      lastProbeAt: now - 1000,
    });
    await writeHealth(env, 'anthropic', 'ok', FINE(now));
    const { code, out } = await health(env);
    expect(code, out).toBe(1);
    const lines = out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('PROVIDER'));
    const table = lines.slice(head, head + 4);
    expect(table[0]).toMatch(/LAST PROBE\s+LAST FAILURE\s+LAST ERROR$/);
    expect(table[1]).toMatch(
      /^openai\s+billing-model-with-a-long-name\s+unhealthy\s+open\s+0%\s+-\s+3\s+\d+s ago\s+1m ago\s+billing_quota insufficient_quota 429$/,
    );
    expect(table[2]).toMatch(/^anthropic\s+ok\s+healthy\s+closed\s+100%\s+42\s+0\s+\d+s ago\s+-\s+-$/);
    expect(table[3]).toMatch(/^openai\s+never\s+-\s+closed\s+100%\s+-\s+0\s+not probed\s+-\s+-$/);
    // Every column starts where its header starts, in every row.
    const starts = [...table[0]!.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
    expect(starts).toHaveLength(10);
    for (const row of table.slice(1)) {
      const cells = [...row.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
      expect(cells, row).toEqual(starts);
    }
    expect(out).toMatch(
      /^ {2}openai\/billing-model-with-a-long-name: unhealthy \(breaker open\): billing_quota insufficient_quota 429$/m,
    );
  });
});
