import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createRedis, DEFAULT_QUEUE_PREFIX, JOB_NAMES, QUEUES } from '@faultline/client';
import {
  type ProviderSimulator,
  QUOTA_429,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a producer outside this repository gets: the packages as `pnpm pack` makes them, installed
// with npm into a project of its own and run with plain node, against a real Redis.

const ROOT = resolve(import.meta.dirname, '..');
/** The packages published for producers, by folder under packages/. */
const PUBLISHED = ['core', 'client', 'reporter'];

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  exports: Record<string, Record<string, string>>;
}

let project: string;
let redis: TestRedis;
let sim: ProviderSimulator;
const packed = new Map<string, { tarball: string; manifest: Manifest; files: string[] }>();

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
  // Incremental: a second build with nothing changed does nothing.
  run(process.execPath, ['scripts/build.mjs'], ROOT);
  project = mkdtempSync(join(tmpdir(), 'faultline-producer-'));
  const tarballs = join(project, 'tarballs');
  mkdirSync(tarballs);
  for (const name of PUBLISHED) {
    const before = new Set(readdirSync(tarballs));
    run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', tarballs], join(ROOT, 'packages', name));
    const file = readdirSync(tarballs).find((f) => !before.has(f))!;
    const tarball = join(tarballs, file);
    const files = run('tar', ['-tzf', tarball], project)
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const manifest = JSON.parse(run('tar', ['-xOzf', tarball, 'package/package.json'], project)) as Manifest;
    packed.set(name, { tarball, manifest, files });
  }
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'producer', private: true, type: 'module' }),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...PUBLISHED.map((name) => packed.get(name)!.tarball),
      // The app's own SDK, from the registry, as an app that already calls OpenAI has it.
      'openai@^6',
    ],
    project,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all([redis?.close(), sim?.close()]);
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('depend on nothing of the workspace, and every export names a file in the tarball', () => {
    for (const name of PUBLISHED) {
      const { manifest, files } = packed.get(name)!;
      expect({ name, workspace: JSON.stringify(manifest).includes('workspace:') }).toEqual({
        name,
        workspace: false,
      });
      const targets = Object.values(manifest.exports).flatMap((entry) => Object.values(entry));
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
      expect(files.some((f) => f.startsWith('src/') || f.endsWith('.tsbuildinfo'))).toBe(false);
    }
  });

  it('let a plain node producer enqueue a generation job a Faultline worker would take, and classify an error', async () => {
    writeFileSync(
      join(project, 'producer.mjs'),
      `import { createGenerationClient } from '@faultline/client';
import { classifyError } from '@faultline/core';

const client = createGenerationClient({ redisUrl: process.env.REDIS_URL });
const job = await client.enqueueGeneration({
  provider: 'openai',
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello from an installed producer' }],
  metadata: { from: 'packaging-test' },
});
await client.close();
const quota = Object.assign(new Error('You exceeded your current quota, please check your plan.'), {
  status: 429,
  error: { type: 'insufficient_quota', code: 'insufficient_quota' },
});
const classified = classifyError(quota, { provider: 'openai', model: 'gpt-4o-mini' });
console.log(JSON.stringify({ jobId: job.id, category: classified.category, severity: classified.severity }));
`,
    );
    const out = execFileSync(process.execPath, ['producer.mjs'], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REDIS_URL: redis.url },
    });
    const printed = JSON.parse(out.trim().split('\n').at(-1)!) as { jobId: string; category: string };
    expect(printed).toMatchObject({ category: 'billing_quota', severity: 'CRITICAL' });

    // Where a generation worker reads: the generation queue under the default prefix.
    const connection = createRedis(redis.url);
    const queue = new Queue(QUEUES.generation, { connection, prefix: DEFAULT_QUEUE_PREFIX });
    try {
      const job = await queue.getJob(printed.jobId);
      expect(job?.name).toBe(JOB_NAMES.generate);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.data).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello from an installed producer' }],
        metadata: { from: 'packaging-test' },
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('let an app keep its own openai calls and report their failures with plain node', async () => {
    sim.script('app-broke', QUOTA_429);
    writeFileSync(
      join(project, 'app.mjs'),
      `import OpenAI from 'openai';
import { createReporter } from '@faultline/reporter';

const faultline = createReporter({ redis: process.env.REDIS_URL });
const openai = faultline.instrument(
  new OpenAI({ apiKey: 'sk-app-key-0123456789', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 }),
  { provider: 'openai' },
);
let caught;
try {
  await openai.chat.completions.create({ model: 'app-broke', messages: [{ role: 'user', content: 'hi' }] });
} catch (error) {
  caught = error;
}
await faultline.close();
console.log(JSON.stringify({ error: caught?.constructor?.name, status: caught?.status }));
`,
    );
    // Not execFileSync: the simulator answering the app runs in this process.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['app.mjs'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        REDIS_URL: redis.url,
        OPENAI_BASE_URL: sim.openaiBaseURL,
      },
    });
    // The app sees the SDK's own error, as without Faultline.
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ error: 'RateLimitError', status: 429 });

    // Where the alerter reads: one classified event on the alerts queue, the key nowhere in it.
    const connection = createRedis(redis.url);
    const queue = new Queue(QUEUES.alerts, { connection, prefix: DEFAULT_QUEUE_PREFIX });
    try {
      const events = (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.data);
      expect(events).toEqual([
        expect.objectContaining({ provider: 'openai', model: 'app-broke', category: 'billing_quota' }),
      ]);
      expect(JSON.stringify(events)).not.toContain('sk-app-key-0123456789');
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('type-check in a TypeScript project from their declarations', () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { type GenerationClient, createGenerationClient } from '@faultline/client';
import { type Classification, classifyError } from '@faultline/core';

const client: GenerationClient = createGenerationClient({ redisUrl: 'redis://127.0.0.1:6379' });
const c: Classification = classifyError(new Error('x'), { provider: 'openai' });
const category: string = c.category;
// @ts-expect-error a job's provider is a string, not a number
void client.enqueueGeneration({ provider: 1, model: 'm', messages: [] });
export { category };
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // A producer has @types/node; this one borrows the repository's. The @ts-expect-error above
          // fails the check should a declaration not resolve (an unresolved type reads as any).
          skipLibCheck: true,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    let output = '';
    try {
      output = run(tsc, ['-p', 'tsconfig.json'], project);
    } catch (error) {
      output = `${(error as { stdout?: string }).stdout ?? ''}${(error as Error).message}`;
    }
    expect(output).toBe('');
  });
});
