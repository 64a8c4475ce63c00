import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent } from '@faultline/core';
import { alertEventFrom, classifyError } from '@faultline/core';
import { type RepoProcess, startRepoService } from '@faultline/testkit';

export function alerterEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-alerter-'));
  return {
    dir,
    env: {
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      ALERT_FILE_PATH: join(dir, 'alerts.log'),
      MAILBOX_DIR: join(dir, 'mail'),
      ALERT_GROUP_WAIT: '300ms',
      ALERTER_HEALTH_PORT: '0',
      // A recovery closes its group at once unless a test is about the hold.
      ALERT_RESOLVE_HOLD: '0',
      DELIVERY_BACKOFF: '100ms',
      DELIVERY_ATTEMPTS: '30',
      DELIVERY_TIMEOUT: '2s',
      ALERT_TO_EMAILS: 'oncall@example.com',
      ALERT_FROM_EMAIL: 'faultline@example.com',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...extra,
    } as Record<string, string>,
  };
}

let seq = 0;
/** An event as the generation worker would publish it, from a real classification. */
export function billingEvent(provider: string, overrides: Partial<AlertEvent> = {}): AlertEvent {
  const classified = classifyError(
    {
      status: 429,
      headers: {},
      body: {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
    },
    { provider, model: 'gpt-4o-mini' },
  );
  return {
    ...alertEventFrom(classified, {
      id: `ev-${process.pid}-${seq++}`,
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date(),
    }),
    ...overrides,
  };
}

export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type AlerterProcess = RepoProcess;

export function startAlerterProcess(env: Record<string, string>): Promise<RepoProcess> {
  return startRepoService('services/alerter-worker/src/main.ts', env, 'alerter worker ready');
}
