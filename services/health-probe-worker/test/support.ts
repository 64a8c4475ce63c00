import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent } from '@faultline/core';
import { loadConfig, QUEUES } from '@faultline/runtime';
import { type ProviderSimulator, pollUntil, type SimStep } from '@faultline/testkit';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { HealthProbeConfig } from '../src/config.ts';
import { startHealthProbe } from '../src/health-probe.ts';

export { pollUntil };

/** A provider that is down: the 503 an overloaded OpenAI-compatible server answers. */
export const down: SimStep = {
  kind: 'http',
  status: 503,
  body: { error: { message: 'The server is overloaded or not ready yet.', type: 'server_error' } },
};

let n = 0;
export function probeEnv(
  redisUrl: string,
  sim: ProviderSimulator,
  models: object[],
  extra: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-probe-'));
  const modelsFile = join(dir, 'models.json');
  writeFileSync(modelsFile, JSON.stringify({ models }));
  return {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `{t-probe-${process.pid}-${n++}}`,
    FAULTLINE_MODELS_FILE: modelsFile,
    OPENAI_API_KEY: 'sk-test-probe',
    OPENAI_BASE_URL: sim.openaiBaseURL,
    ANTHROPIC_API_KEY: 'sk-ant-test-probe',
    ANTHROPIC_BASE_URL: sim.anthropicBaseURL,
    BREAKER_FAILURE_THRESHOLD: '3',
    BREAKER_COOLDOWN: '600ms',
    BREAKER_SUCCESS_THRESHOLD: '2',
    PROBE_TIMEOUT: '2s',
    // The models files here probe every 150–300 ms.
    PROBE_INTERVAL_MIN: '50ms',
    HEALTH_PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...extra,
  } as Record<string, string>;
}

export async function startProbe(env: Record<string, string>) {
  return startHealthProbe(loadConfig(HealthProbeConfig, env), env, pino({ level: 'silent' }));
}

/** The health events published so far, in the order they were published (no alerter consumes them here). */
export async function healthEvents(env: Record<string, string>): Promise<AlertEvent[]> {
  const alerts = new Queue(QUEUES.alerts, { connection: { url: env.REDIS_URL! }, prefix: env.QUEUE_PREFIX! });
  const jobs = await alerts.getJobs(['waiting'], 0, -1, true);
  await alerts.close();
  return jobs.map((j) => j.data as AlertEvent).filter((e) => e.source === 'health_probe');
}
