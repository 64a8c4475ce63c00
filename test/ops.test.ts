import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlerter } from '@faultline/alerter-worker';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { createGenerationClient } from '@faultline/client';
import { startGenerationWorker } from '@faultline/generation-worker';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { startHealthProbe } from '@faultline/health-probe-worker';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { startOpsServer } from '@faultline/ops';
import { OpsConfig } from '@faultline/ops/config';
import { loadConfig } from '@faultline/runtime';
import {
  type ProviderSimulator,
  pollUntil,
  quotaEvent,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'ops-token-for-the-test-0001';
let redis: TestRedis;
let sim: ProviderSimulator;
let stop: (() => Promise<void>)[] = [];
let opsUrl: string;
let alertFile: string;

/** Every line of a Prometheus text exposition: comments, or `name{labels} value`. */
function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const type = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      expect(typed.has(type[1]!), `family ${type[1]} typed twice`).toBe(false);
      typed.add(type[1]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (-?[\d.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(m, `not a Prometheus sample: ${line}`).not.toBeNull();
    const labels = Object.fromEntries(
      [...(m![3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    samples.push({ name: m![1]!, labels, value: Number(m![4]) });
  }
  return samples;
}

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  const dir = mkdtempSync(join(tmpdir(), 'faultline-ops-'));
  alertFile = join(dir, 'alerts.log');
  writeFileSync(
    join(dir, 'models.yaml'),
    'models:\n  - id: ops-up\n    provider: openai\n    interval: 200ms\n  - id: ops-down\n    provider: openai\n    interval: 200ms\n',
  );
  const env = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: '{e2e-ops}',
    OPENAI_API_KEY: 'sk-e2e-ops',
    OPENAI_BASE_URL: sim.openaiBaseURL,
    FAULTLINE_MODELS_FILE: join(dir, 'models.yaml'),
    PROBE_INTERVAL_MIN: '100ms',
    HEALTH_PORT: '0',
    ALERTER_HEALTH_PORT: '0',
    OPS_PORT: '0',
    OPS_TOKEN: TOKEN,
    // The last test retries a job from the dashboard, which is read-only unless this is set.
    OPS_DASHBOARD_WRITE: 'true',
    ALERT_GROUP_WAIT: '100ms',
    ALERT_FILE_PATH: alertFile,
    MAILBOX_DIR: join(dir, 'mail'),
    BREAKER_FAILURE_THRESHOLD: '1',
    // A webhook nobody listens on: its one delivery attempt fails, which /metrics counts.
    WEBHOOK_URLS: 'http://127.0.0.1:1/hook',
    WEBHOOK_SECRET: 'whsec-ops-test',
    DELIVERY_ATTEMPTS: '1',
  };
  sim.script('ops-down', { kind: 'http', status: 503, body: { error: { message: 'overloaded' } } });
  sim.script('ops-broke', {
    kind: 'http',
    status: 429,
    body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
  });
  const silent = pino({ level: 'silent' });
  const generation = startGenerationWorker(loadConfig(GenerationConfig, env), env, silent);
  const alerter = startAlerter(loadConfig(AlerterConfig, env), silent);
  const probe = await startHealthProbe(loadConfig(HealthProbeConfig, env), env, silent);
  const ops = await startOpsServer(loadConfig(OpsConfig, env), silent);
  opsUrl = ops.url;
  stop = [() => ops.close(), () => probe.close(), () => alerter.close(), () => generation.close(1000)];
  // A small run: a billing failure (classified, alerted, delivered) and a model the probes find down.
  const client = createGenerationClient({ redisUrl: redis.url, prefix: env.QUEUE_PREFIX });
  const job = await client.enqueueGeneration({
    provider: 'openai',
    model: 'ops-broke',
    messages: [{ role: 'user', content: 'hi' }],
  });
  await client.waitForResult(job, 10_000).catch(() => {});
  await client.close();
  await pollUntil('the alert delivered to the file', () => {
    try {
      return readFileSync(alertFile, 'utf8').includes('BILLING_QUOTA');
    } catch {
      return false;
    }
  });
  // The generation worker adds its traffic to the model's statistics once a second: the ops service
  // lists every model with health in Redis, the one only seen in traffic included.
  await pollUntil(
    'the traffic statistics of the billing failure',
    async () => (await probe.store.read('openai/ops-broke')).window.length > 0,
    { timeoutMs: 5000 },
  );
  await pollUntil(
    'the probes to see both models',
    async () =>
      (await probe.store.read('openai/ops-down')).breaker === 'open' &&
      (await probe.store.read('openai/ops-up')).window.length > 0,
  );
}, 30_000);

afterAll(async () => {
  for (const s of stop) await s();
  await Promise.all([sim?.close(), redis?.close()]);
});

const get = (path: string, auth?: string) =>
  fetch(`${opsUrl}${path}`, auth ? { headers: { authorization: auth } } : {});

describe('the dashboard', () => {
  it('refuses requests without credentials and serves every queue with them', async () => {
    expect((await get('/dashboard')).status).toBe(401);
    expect((await get('/dashboard', 'Bearer wrong-token-xxxxxxxxxxxx')).status).toBe(401);
    const page = await get('/dashboard', `Bearer ${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = (await (await get('/dashboard/api/queues', `Bearer ${TOKEN}`)).json()) as {
      queues: { name: string }[];
    };
    expect(api.queues.map((q) => q.name).sort()).toEqual([
      'alert-deliveries',
      'alert-groups',
      'alerts',
      'generation',
      'health-probes',
    ]);
  });

  it('serves health, groups and incidents as JSON behind the same credentials', async () => {
    expect((await get('/api/monitoring/health')).status).toBe(401);
    const health = await (await get('/api/monitoring/health', `Bearer ${TOKEN}`)).json();
    // One of three down, one degraded by the billing failure in its traffic: degraded, not unhealthy.
    expect(health).toMatchObject({
      status: 'degraded',
      models: { total: 3, healthy: 1, degraded: 1, unhealthy: 1 },
    });
    const incidents = (await (await get('/api/incidents', `Bearer ${TOKEN}`)).json()) as {
      event: { category: string };
    }[];
    expect(incidents.map((i) => i.event.category)).toContain('billing_quota');
    expect((await get('/health')).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('parses as Prometheus text and holds BullMQ and Faultline metrics after a small run', async () => {
    // Three events of one group at once: one notification, two suppressed, per channel.
    const alerts = new Queue('alerts', { connection: { url: redis.url }, prefix: '{e2e-ops}' });
    const quota = { ...quotaEvent, provider: 'ops-suppressed' };
    await alerts.addBulk(
      [1, 2, 3].map((i) => ({ name: 'alert', data: { ...quota, id: `ops-suppressed-${i}` } })),
    );
    await alerts.close();
    let text = '';
    let samples: ReturnType<typeof parsePrometheus> = [];
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    await pollUntil(
      'the suppressed count and the failed webhook in /metrics',
      async () => {
        const res = await get('/metrics');
        expect(res.status).toBe(200);
        text = await res.text();
        samples = parsePrometheus(text);
        return (
          find('faultline_notifications_suppressed_total', { channel: 'file' })?.value === 2 &&
          (find('faultline_notifications_total', { channel: 'webhook', outcome: 'failed' })?.value ?? 0) >= 1
        );
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(find('bullmq_job_count', { queue: 'generation', state: 'failed' })?.value).toBe(1);
    expect(
      find('faultline_classified_errors_total', {
        category: 'billing_quota',
        severity: 'CRITICAL',
        provider: 'openai',
      })?.value,
    ).toBe(1);
    expect(
      find('faultline_notifications_total', { channel: 'file', outcome: 'sent' })?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(
      find('faultline_probe_latency_ms_count', { provider: 'openai', gateway: 'none' })?.value,
    ).toBeGreaterThan(0);
    expect(
      find('faultline_probe_latency_ms_bucket', { provider: 'openai', le: '+Inf' })?.value,
    ).toBeGreaterThan(0);
    expect(find('faultline_breaker_state', { model: 'ops-down', state: 'open' })?.value).toBe(1);
    expect(find('faultline_breaker_state', { model: 'ops-up', state: 'closed' })?.value).toBe(1);
    expect(
      find('faultline_breaker_transitions_total', { transition: 'breaker_opened', provider: 'openai' })
        ?.value,
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('the status page', () => {
  it('shows each model with its status', async () => {
    const html = await (await get('/status', `Bearer ${TOKEN}`)).text();
    expect(html).toMatch(/Faultline status: <span id="overall"[^>]*>degraded/);
    expect(html).toMatch(/ops-broke<\/td>\s*<td class="status"[^>]*>degraded/);
    expect(html).toMatch(/ops-down<\/td>\s*<td class="status"[^>]*>unhealthy/);
    expect(html).toMatch(/ops-up<\/td>\s*<td class="status"[^>]*>healthy/);
  });
});

// Last in the file: the retried job runs (and fails) again, which changes the counters above.
describe('retrying a failed job from the dashboard', () => {
  it('needs the credentials, and puts the job back to run again', async () => {
    const queue = new Queue('generation', { connection: { url: redis.url }, prefix: '{e2e-ops}' });
    try {
      const [failed] = await queue.getFailed();
      expect(failed?.data.model).toBe('ops-broke');
      const retry = (auth?: string) =>
        fetch(`${opsUrl}/dashboard/api/queues/generation/${failed!.id}/retry`, {
          method: 'PUT',
          ...(auth ? { headers: { authorization: auth } } : {}),
        });
      expect((await retry()).status).toBe(401);
      const calls = sim.requests('ops-broke').length;
      expect((await retry(`Bearer ${TOKEN}`)).status).toBe(204);
      await pollUntil(
        'the retried job to call the provider again',
        () => sim.requests('ops-broke').length > calls,
      );
    } finally {
      await queue.close();
    }
  });
});
