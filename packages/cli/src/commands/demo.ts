import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createGenerationClient } from '@faultline/client';
import { DEFAULT_QUEUE_PREFIX, localRedisUrl } from '@faultline/runtime';
import type { SimStep } from '@faultline/testkit';
import { freePort } from '@faultline/testkit';
import { entryArgs } from '../service-entry.ts';
import { runSystem } from './start.ts';

export const usage = `faultline demo
      everything \`faultline start\` does, plus the provider simulator, a models file and traffic that
      exercises every error category, a provider outage and its recovery, all offline: watch
      ./logs/demo/alerts.log, the mailbox ./logs/demo/mail and the dashboard; Ctrl-C stops it.
      Its Redis data lives in ./data/demo and its logs in ./logs/demo, so a later \`faultline start\`
      sees none of it (\`faultline reset\` removes both)`;

/**
 * The demo's own folders, beside the real ones: its Redis under <FAULTLINE_DATA_DIR>/demo, its alert
 * file and mailbox under demo/ next to ALERT_FILE_PATH (./logs/demo), whatever .env sets for real
 * use. Nothing it writes is seen by a later `faultline start`.
 */
export function demoPaths(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = resolve(env.FAULTLINE_DATA_DIR || './data', 'demo');
  const logsDir = join(dirname(resolve(env.ALERT_FILE_PATH || './logs/alerts.log')), 'demo');
  return { dataDir, logsDir, alertFile: join(logsDir, 'alerts.log'), mailbox: join(logsDir, 'mail') };
}

const fail = (
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): SimStep => ({
  kind: 'http',
  status,
  headers,
  body: { error: { type: null, param: null, code: null, ...error } },
});

/** One model per category, each scripted to fail the way real providers fail. */
const TRAFFIC: { provider: string; model: string; steps: SimStep[] }[] = [
  { provider: 'openai', model: 'gpt-4o-mini', steps: [{ kind: 'success', delayMs: 120 }] },
  { provider: 'anthropic', model: 'claude-sonnet-4-6', steps: [{ kind: 'success', delayMs: 200 }] },
  {
    provider: 'credits-gw',
    model: 'llama-3.3-70b',
    steps: [
      fail(402, {
        message:
          'This request requires more credits, or fewer max_tokens. You requested up to 4096 tokens, but can only afford 12.',
        code: 402,
      }),
    ],
  },
  {
    provider: 'expired-key',
    model: 'mixtral-8x7b',
    steps: [
      fail(401, {
        message: 'Incorrect API key provided: sk-demo***1234.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    ],
  },
  // Throttled on every attempt, so the rate limit becomes "sustained" and notifies.
  {
    provider: 'openai',
    model: 'gpt-4o',
    steps: [
      fail(
        429,
        {
          message: 'Rate limit reached for gpt-4o on requests per min (RPM): Limit 500.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        { 'retry-after-ms': '300' },
      ),
    ],
  },
  {
    provider: 'openai',
    model: 'gpt-5-preview',
    steps: [
      fail(404, {
        message: 'The model `gpt-5-preview` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        code: 'model_not_found',
      }),
    ],
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4',
    steps: [
      {
        kind: 'http',
        status: 529,
        body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      },
      { kind: 'success' },
    ],
  },
  { provider: 'openai', model: 'gpt-4.1-nano', steps: [{ kind: 'reset' }, { kind: 'success' }] },
  // A gateway that passes on an upstream failure without saying what it was: unknown.
  {
    provider: 'credits-gw',
    model: 'mistral-small',
    steps: [fail(400, { message: 'Provider returned error', code: 400 })],
  },
  {
    provider: 'openai',
    model: 'gpt-4.1',
    steps: [
      fail(400, {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      }),
    ],
  },
];

export async function demoCommand(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  const paths = demoPaths();
  const demoDir = paths.dataDir;
  mkdirSync(demoDir, { recursive: true });
  const simPort = Number(process.env.FAULTLINE_SIM_PORT ?? (await freePort()));
  const sim = `http://127.0.0.1:${simPort}`;
  writeFileSync(
    join(demoDir, 'providers.yaml'),
    `providers:\n  - name: credits-gw\n    baseURL: ${sim}/v1\n    apiKeyEnv: DEMO_GATEWAY_KEY\n    gateway: openrouter\n  - name: expired-key\n    baseURL: ${sim}/v1\n    apiKeyEnv: DEMO_EXPIRED_KEY\n  - name: outage-cloud\n    baseURL: ${sim}/v1\n    apiKeyEnv: DEMO_GATEWAY_KEY\n`,
  );
  // Two models of one provider that go down together (a provider outage), and come back.
  writeFileSync(
    join(demoDir, 'models.yaml'),
    `models:\n  - { id: gpt-4o-mini, provider: openai, priority: critical, interval: 5s }\n  - { id: claude-sonnet-4-6, provider: anthropic, interval: 5s }\n  - { id: qwen-72b, provider: outage-cloud, interval: 3s }\n  - { id: qwen-7b, provider: outage-cloud, interval: 3s }\n`,
  );
  const env: Record<string, string> = {
    OPENAI_API_KEY: 'sk-demo-openai-key-0000000000',
    OPENAI_BASE_URL: `${sim}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-demo-key-00000000000000',
    ANTHROPIC_BASE_URL: sim,
    DEMO_GATEWAY_KEY: 'sk-or-v1-demo0000000000000000',
    DEMO_EXPIRED_KEY: 'sk-demo-expired-000000000000',
    FAULTLINE_PROVIDERS_FILE: join(demoDir, 'providers.yaml'),
    FAULTLINE_MODELS_FILE: join(demoDir, 'models.yaml'),
    ALERT_GROUP_WAIT: process.env.ALERT_GROUP_WAIT ?? '3s',
    ALERT_RESOLVE_AFTER: process.env.ALERT_RESOLVE_AFTER ?? '2m',
    RATE_LIMIT_ALERT_THRESHOLD: process.env.RATE_LIMIT_ALERT_THRESHOLD ?? '5',
    BREAKER_FAILURE_THRESHOLD: process.env.BREAKER_FAILURE_THRESHOLD ?? '2',
    BREAKER_COOLDOWN: process.env.BREAKER_COOLDOWN ?? '10s',
  };
  for (const [k, v] of Object.entries(env)) process.env[k] ??= v;
  // Not the alert file and mailbox of .env: those are for real use, and `start` would show the demo's alerts.
  Object.assign(env, { ALERT_FILE_PATH: paths.alertFile, MAILBOX_DIR: paths.mailbox });

  let stopTraffic = () => {};
  let started = () => {};
  const startedUp = new Promise<null>((r) => {
    started = () => r(null);
  });
  const system = runSystem(
    env,
    {
      simulator: [...entryArgs('packages/testkit/src/provider-simulator/main.ts'), '--port', String(simPort)],
    },
    { command: 'demo', redisDataDir: demoDir, onStopping: () => stopTraffic(), onStarted: started },
  );
  // Refused before anything started (another start running, a port taken): no traffic to send.
  const early = await Promise.race([system, startedUp]);
  if (early !== null) return early;
  const script = (model: string, steps: SimStep[]) =>
    fetch(`${sim}/__sim/script`, { method: 'POST', body: JSON.stringify({ model, steps }) });
  const deadline = Date.now() + 60_000;
  while (
    await fetch(`${sim}/__sim/requests`).then(
      () => false,
      () => true,
    )
  ) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const t of TRAFFIC) await script(t.model, t.steps);
  const outage: SimStep = {
    kind: 'http',
    status: 503,
    body: { error: { message: 'The service is temporarily unavailable.', type: 'server_error' } },
  };
  // Down for 40 s of probes, then back: an outage event, then its recovery.
  for (const model of ['qwen-72b', 'qwen-7b'])
    await script(model, [...Array.from({ length: 14 }, () => outage), { kind: 'success' }]);

  const redisUrl = process.env.REDIS_URL || localRedisUrl();
  const client = createGenerationClient({
    redisUrl,
    prefix: process.env.QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX,
  });
  let running = true;
  // The traffic stops and lets go of Redis as soon as the system starts stopping: Redis goes down last,
  // and a client still holding it would end the demo on ECONNREFUSED instead of a clean exit.
  let closing: Promise<void> | undefined;
  stopTraffic = () => {
    running = false;
    closing ??= client.close().catch(() => {});
  };
  system.finally(stopTraffic);
  const shown = (p: string) => (p.startsWith(process.cwd()) ? `.${p.slice(process.cwd().length)}` : p);
  process.stdout.write(
    `[demo]          traffic starts: one job per error category every 5 s; watch ${shown(resolve(paths.alertFile))} and ${shown(resolve(paths.mailbox))}\n`,
  );
  const traffic = (async () => {
    while (running) {
      await client
        .enqueueRun(
          TRAFFIC.map((t) => ({
            provider: t.provider,
            model: t.model,
            messages: [{ role: 'user' as const, content: 'Say hello.' }],
          })),
        )
        .catch(() => {});
      for (let i = 0; i < 50 && running; i++) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const code = await system;
  await traffic;
  stopTraffic();
  await closing;
  return code;
}
