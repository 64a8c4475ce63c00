import { QUEUES } from '@faultline/client';
import type { AlertEvent } from '@faultline/core';
import {
  type ProviderSimulator,
  pollUntil,
  QUOTA_429,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReporter } from '../src/index.ts';
import { alertingOn } from './support.ts';

const OPENAI_KEY = 'sk-test-0000000000000000000000000000';
const messages = [{ role: 'user' as const, content: 'hello' }];
const prefix = '{t-rep-down}';

let redis: TestRedis;
let sim: ProviderSimulator;
beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), redis?.close()]);
});

/** What the app sees from a call: the value's text, or the error's class, status and message. */
const outcome = (call: Promise<OpenAI.Chat.Completions.ChatCompletion>) =>
  call.then(
    (value) => ({ text: value.choices[0]?.message.content }),
    (error: Error & { status?: number }) => ({
      error: error.constructor.name,
      status: error.status,
      message: error.message,
    }),
  );

describe('Redis down: the app works as without Faultline, and the report goes out once Redis is back', () => {
  it('calls return and throw as an uninstrumented client’s; one warning; the alert arrives after Redis returns', async () => {
    const warnings: string[] = [];
    const reporter = createReporter({ redis: redis.url, prefix, onError: (e) => warnings.push(e.message) });
    const sdk = () => new OpenAI({ apiKey: OPENAI_KEY, baseURL: sim.openaiBaseURL, maxRetries: 0 });
    const plain = sdk();
    const watched = reporter.instrument(sdk(), { provider: 'openai' });
    sim.script('gpt-down-ok', { kind: 'success', text: 'still here' });
    sim.script('gpt-down-quota', QUOTA_429);

    await redis.stop();
    try {
      for (const model of ['gpt-down-ok', 'gpt-down-quota', 'gpt-down-quota', 'gpt-down-ok']) {
        const [a, b] = await Promise.all([
          outcome(plain.chat.completions.create({ model, messages })),
          outcome(watched.chat.completions.create({ model, messages })),
        ]);
        expect(b).toEqual(a);
      }
      expect(await outcome(watched.chat.completions.create({ model: 'gpt-down-ok', messages }))).toEqual({
        text: 'still here',
      });
      await pollUntil('a warning that Redis is away', () => warnings.length > 0);
      expect(reporter.backlog).toBe(2);
    } finally {
      await redis.start();
    }

    const alerting = await alertingOn(redis.url, prefix);
    const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix });
    try {
      await pollUntil(
        'the billing alert mailed',
        () => alerting.mails.some((m) => m.subject.includes('Billing Quota (openai)')),
        { timeoutMs: 20_000 },
      );
      const events = (await alerts.getJobs(['completed', 'waiting', 'active', 'delayed'])).map(
        (j) => j.data as AlertEvent,
      );
      expect(events.map((e) => [e.model, e.category])).toEqual([
        ['gpt-down-quota', 'billing_quota'],
        ['gpt-down-quota', 'billing_quota'],
      ]);
      expect(reporter.backlog).toBe(0);
      // Told once that Redis was away: not once per call or per retry.
      expect(warnings.filter((w) => /unreachable/.test(w))).toHaveLength(1);
      expect(warnings.join('\n')).not.toContain(OPENAI_KEY);
    } finally {
      await alerts.close();
      await reporter.close();
      await alerting.close();
    }
  });
});
