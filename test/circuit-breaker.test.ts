import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGenerationClient } from '@faultline/client';
import type { AlertEvent } from '@faultline/core';
import { startGenerationWorker } from '@faultline/generation-worker';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { startHealthProbe } from '@faultline/health-probe-worker';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { pollUntil, startProviderSimulator, startTestRedis } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { generationEventId } from '../services/generation-worker/src/event-id.ts';

describe('the generation worker reads the health-probe breakers', () => {
  it('a job for a model whose breaker is open fails fast without calling the provider', async () => {
    const [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-e2e-'));
    writeFileSync(
      join(dir, 'models.yaml'),
      'models:\n  - id: flaky-model\n    provider: openai\n    interval: 200ms\n',
    );
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: '{e2e-breaker}',
      FAULTLINE_MODELS_FILE: join(dir, 'models.yaml'),
      PROBE_INTERVAL_MIN: '100ms',
      OPENAI_API_KEY: 'sk-e2e',
      OPENAI_BASE_URL: sim.openaiBaseURL,
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_COOLDOWN: '1h',
      HEALTH_PORT: '0',
      GENERATION_BACKOFF_BASE: '20ms',
    };
    const silent = pino({ level: 'silent' });
    sim.script('flaky-model', {
      kind: 'http',
      status: 500,
      body: { error: { message: 'The server had an error', type: 'server_error' } },
    });
    const probe = await startHealthProbe(loadConfig(HealthProbeConfig, env), env, silent);
    const generation = startGenerationWorker(loadConfig(GenerationConfig, env), env, silent);
    const client = createGenerationClient({ redisUrl: redis.url, prefix: env.QUEUE_PREFIX });
    try {
      await pollUntil(
        'the breaker to open',
        async () => (await probe.store.read('openai/flaky-model')).breaker === 'open',
      );
      await probe.worker.pause();
      const callsBefore = sim.requests('flaky-model').length;
      const job = await client.enqueueGeneration({
        provider: 'openai',
        model: 'flaky-model',
        messages: [{ role: 'user', content: 'hi' }],
      });
      await expect(client.waitForResult(job, 30_000)).rejects.toThrow(
        /server_error: circuit breaker open for openai\/flaky-model after server_error/,
      );
      expect(sim.requests('flaky-model').length).toBe(callsBefore);
      const failed = await client.queue.getJob(job.id!);
      expect(failed!.attemptsMade).toBe(1);
      const alerts = new Queue(QUEUES.alerts, { connection: { url: redis.url }, prefix: env.QUEUE_PREFIX });
      const event = (await alerts.getJob(generationEventId(failed!, 1)))!.data as AlertEvent;
      // The cause survives the breaker: the failure that opened it, not a generic model error.
      expect(event).toMatchObject({
        category: 'server_error',
        reason: 'circuit_open',
        statusCode: 500,
        isRetryable: false,
        source: 'generation',
      });
      await alerts.close();
    } finally {
      await client.close();
      await generation.close(1000);
      await probe.close();
      await Promise.all([sim.close(), redis.close()]);
    }
  }, 60_000);
});
