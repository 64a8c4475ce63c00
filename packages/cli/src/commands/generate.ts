import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGenerationClient } from '@faultline/client';
import type { RunSummary } from '@faultline/core';
import { loadProviderSpecs } from '@faultline/providers';
import { assertRedisReachable, BaseConfig, ConfigError, loadConfig } from '@faultline/runtime';
import { z } from 'zod';
import { plural } from '../plural.ts';
import { createProgress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';
import { generateExitCode } from './generate-exit-code.ts';

export const usage = `faultline generate --count N [--provider P] [--model M] [--prompt TEXT] [--timeout S]
      enqueues a run of N generation jobs, waits for the generation workers, prints the run summary
      (also written to METRICS_FILE_PATH when set); exit 0 all succeeded, 1 some failed, 2 all failed,
      3 configuration error, 4 Redis unreachable, 5 billing/quota error, 6 authentication error
      (6 wins over 5; both win over 1 and 2)`;

const CliConfig = BaseConfig.extend({ METRICS_FILE_PATH: z.string().optional() });

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a whole number of at least 1, got "${raw}"`);
  return n;
}

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      provider: { type: 'string', default: 'openai' },
      model: { type: 'string', default: 'gpt-4o-mini' },
      prompt: { type: 'string', default: 'Say hello in one word.' },
      timeout: { type: 'string' },
    },
  });
  if (values.count === undefined) throw new UsageError('--count N is required');
  const count = positiveInt('--count', values.count, 1);
  const timeoutMs = positiveInt('--timeout', values.timeout, 300) * 1000;
  const cfg = loadConfig(CliConfig);
  const known = loadProviderSpecs(process.env).map((s) => s.name);
  if (!known.includes(values.provider)) {
    throw new ConfigError([
      {
        variable: '--provider',
        message: `unknown provider "${values.provider}": configured are ${known.join(', ')} (add others in FAULTLINE_PROVIDERS_FILE)`,
      },
    ]);
  }
  await assertRedisReachable(cfg.REDIS_URL);

  const client = createGenerationClient({ redisUrl: cfg.REDIS_URL, prefix: cfg.QUEUE_PREFIX });
  try {
    const job = {
      provider: values.provider,
      model: values.model,
      messages: [{ role: 'user' as const, content: values.prompt }],
    };
    const runId = await client.enqueueRun(Array.from({ length: count }, () => job));
    process.stderr.write(
      `run ${runId}: ${plural(count, 'job')} enqueued on ${values.provider}/${values.model}\n`,
    );
    const summary = await waitForRun(client, runId, count, timeoutMs);
    const text = `${JSON.stringify(summary, null, 2)}\n`;
    process.stdout.write(text);
    if (cfg.METRICS_FILE_PATH) writeFileSync(cfg.METRICS_FILE_PATH, text);
    return generateExitCode(summary);
  } finally {
    await client.close();
  }
}

async function waitForRun(
  client: ReturnType<typeof createGenerationClient>,
  runId: string,
  count: number,
  timeoutMs: number,
): Promise<RunSummary> {
  const progress = createProgress('generating', count);
  const deadline = Date.now() + timeoutMs;
  let warnedNoWorker = false;
  const startedAt = Date.now();
  for (;;) {
    const summary = await client.runSummary(runId);
    const done = summary.succeeded + summary.failed;
    progress.update(done, `ok ${summary.succeeded} failed ${summary.failed}`);
    if (summary.pending === 0) {
      progress.finish(done, `ok ${summary.succeeded} failed ${summary.failed}`);
      return summary;
    }
    if (Date.now() > deadline) {
      progress.finish(done, 'timed out');
      process.stderr.write(
        `timed out after ${timeoutMs / 1000} s with ${plural(summary.pending, 'job')} unfinished (counted as failed); ` +
          'raise --timeout or start more workers: pnpm faultline worker generation\n',
      );
      return summary;
    }
    if (
      !warnedNoWorker &&
      Date.now() - startedAt > 3000 &&
      done === 0 &&
      (await client.queue.getWorkersCount()) === 0
    ) {
      warnedNoWorker = true;
      process.stderr.write(
        '\nno generation worker is running: start one with `pnpm faultline worker generation`\n',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
