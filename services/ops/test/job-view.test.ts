import { loadConfig, QUEUES } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsConfig } from '../src/config.ts';
import { jobDataView, returnValueView } from '../src/job-view.ts';
import { startOpsServer } from '../src/ops-server.ts';

const PREFIX = '{t-job-view}';
const TOKEN = 'c1b0e9f4a7d2368e5f10b4c3a9d87e62';
const KEY = 'sk-proj-Jv7Qm2Xr9Lw4Tz6Nb1Kc8Hd3Fs5Pg0Ay';
const MISTRAL = 'Zx9ab8Cd7ef6GH5ij4KL3mn2OP1qr0ST';
const SLACK = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx';

const job = {
  provider: 'acme',
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: `PROMPT-CANARY summarise: my key is ${KEY}` }],
  metadata: { tenant: 't-1', openai_key: MISTRAL, callback: SLACK },
};

describe('the dashboard view of a job, as a pure function', () => {
  it.each([
    [false, 'hidden', false],
    [true, 'shown, secrets redacted', true],
  ])('OPS_SHOW_PROMPTS=%s: the prompt is %s', (showPrompts, _what, canary) => {
    const text = JSON.stringify(jobDataView(job, showPrompts));
    expect(text.includes('PROMPT-CANARY')).toBe(canary);
    expect(text).not.toMatch(/Jv7Qm2Xr9Lw4|Zx9ab8Cd7ef6|abcdefghijklmnopqrstuvwx/);
    expect(text).toContain('"tenant":"t-1"');
  });

  it('hides a completion as it hides a prompt', () => {
    const result = { text: 'COMPLETION-CANARY', usage: { inputTokens: 1, outputTokens: 2 }, model: 'm' };
    expect(JSON.stringify(returnValueView(result, false))).not.toContain('COMPLETION-CANARY');
    expect(returnValueView(result, false)).toMatchObject({ usage: result.usage, model: 'm' });
    expect(returnValueView(result, true)).toEqual(result);
  });

  it('leaves data that is not a generation job as it is, redacted', () => {
    expect(jobDataView({ fingerprint: 'fp', gen: 2 }, false)).toEqual({ fingerprint: 'fp', gen: 2 });
    expect(jobDataView(null, false)).toBeNull();
  });
});

describe('what bull-board serves through the ops service (review S6)', () => {
  let redis: TestRedis;
  let queue: Queue;
  let worker: Worker;
  const servers: { url: string; close(): Promise<void> }[] = [];
  const failedId = 'leaky-failed';
  const doneId = 'leaky-done';

  beforeAll(async () => {
    redis = await startTestRedis();
    queue = new Queue(QUEUES.generation, { connection: { url: redis.url }, prefix: PREFIX });
    worker = new Worker(
      QUEUES.generation,
      async (j) => {
        if (j.id === failedId) throw new Error(`401 Incorrect API key provided: ${KEY} (callback ${SLACK})`);
        return { text: 'COMPLETION-CANARY', usage: { inputTokens: 1, outputTokens: 2 } };
      },
      { connection: { url: redis.url }, prefix: PREFIX },
    );
    const finished = Promise.all([
      new Promise((r) => worker.on('failed', r)),
      new Promise((r) => worker.on('completed', r)),
    ]);
    await queue.add('generate', job, { jobId: failedId });
    await queue.add('generate', job, { jobId: doneId });
    await finished;
    for (const show of ['false', 'true']) {
      const cfg = loadConfig(OpsConfig, {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: PREFIX,
        OPS_PORT: '0',
        OPS_TOKEN: TOKEN,
        OPS_SHOW_PROMPTS: show,
      });
      servers.push(await startOpsServer(cfg, pino({ level: 'silent' })));
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await worker?.close();
    await queue?.close();
    await redis?.close();
  });

  const read = async (base: string, path: string) => {
    const res = await fetch(`${base}/dashboard/api${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };
  const pages = (base: string) =>
    Promise.all([
      read(base, `/queues?activeQueue=${QUEUES.generation}&status=failed`),
      read(base, `/queues?activeQueue=${QUEUES.generation}&status=completed`),
      read(base, `/queues/${QUEUES.generation}/${failedId}`),
      read(base, `/queues/${QUEUES.generation}/${doneId}`),
    ]).then((all) => all.join('\n'));

  it('redacts data, failure reason and stack trace, and hides prompts and completions by default', async () => {
    const text = await pages(servers[0]!.url);
    expect(text).toContain('Incorrect API key provided');
    expect(text).toContain('[hidden:');
    expect(text).toContain('t-1');
    expect(text).not.toMatch(
      /Jv7Qm2Xr9Lw4|Zx9ab8Cd7ef6|abcdefghijklmnopqrstuvwx|PROMPT-CANARY|COMPLETION-CANARY/,
    );
  });

  it('shows prompts and completions with OPS_SHOW_PROMPTS=true, still without secrets', async () => {
    const text = await pages(servers[1]!.url);
    expect(text).toContain('PROMPT-CANARY');
    expect(text).toContain('COMPLETION-CANARY');
    expect(text).not.toMatch(/Jv7Qm2Xr9Lw4|Zx9ab8Cd7ef6|abcdefghijklmnopqrstuvwx/);
  });
});
