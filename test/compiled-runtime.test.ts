import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort, killWithThisProcess, pollUntil, startTestRedis, type TestRedis } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Production runs each service from its compiled dist/ with plain node: no tsx, no loader, no
// `development` condition (which points the workspace packages at their TypeScript sources).
const ROOT = resolve(import.meta.dirname, '..');
const SERVICES = {
  'generation-worker': 'generation worker ready',
  'alerter-worker': 'alerter worker ready',
  'health-probe-worker': 'health-probe worker ready',
  ops: 'ops ready',
} as const;
type Service = keyof typeof SERVICES;

// Node 22.18 and later run .ts files by stripping types: refused here, so a service that reached for a
// source file would fail on the current LTS as it does on Node 20, where it would not load at all.
const NO_TYPESCRIPT = (process.features as { typescript?: string | false }).typescript
  ? ['--no-experimental-strip-types']
  : [];

const distDirs = () =>
  ['packages', 'services']
    .flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name, 'dist')))
    .filter((dir) => existsSync(dir));

/** The install runs `pnpm build` (root postinstall); a checkout that skipped it is built here. */
function ensureBuilt() {
  const entries = Object.keys(SERVICES).map((s) => join(ROOT, 'services', s, 'dist', 'main.js'));
  if (entries.every((e) => existsSync(e))) return;
  const built = spawnSync('npx', ['-y', 'pnpm@10.34.9', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`pnpm build failed:\n${built.stdout}${built.stderr}`);
}

interface Running {
  child: ChildProcess;
  output(): string;
}

/** Starts `services/<service>/dist/main.js` under `cwd` with plain node and waits for its ready line. */
async function startCompiled(cwd: string, service: Service, redisUrl: string, dir: string): Promise<Running> {
  const child = spawn(process.execPath, [...NO_TYPESCRIPT, `services/${service}/dist/main.js`], {
    cwd,
    // Only what a container gets: no NODE_OPTIONS from this test process.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: redisUrl,
      ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
      MAILBOX_DIR: join(dir, 'logs', 'mail'),
      HEALTH_PORT: String(await freePort()),
      ALERTER_HEALTH_PORT: '0',
      OPS_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killWithThisProcess(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  await pollUntil(
    `${service} to say "${SERVICES[service]}"`,
    () => out.includes(SERVICES[service]) || child.exitCode !== null,
    { timeoutMs: 30_000 },
  );
  return { child, output: () => out };
}

/** SIGTERM, as a container stop sends; resolves once the process is gone. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  return exited;
}

let redis: TestRedis;
let scratch: string;
beforeAll(async () => {
  ensureBuilt();
  redis = await startTestRedis();
  scratch = mkdtempSync(join(tmpdir(), 'faultline-compiled-'));
}, 300_000);
afterAll(async () => {
  await redis?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('each service runs from its compiled JavaScript with plain node', () => {
  it.each(Object.keys(SERVICES) as Service[])(
    '%s starts from services/<name>/dist/main.js and says it is ready',
    async (service) => {
      const running = await startCompiled(ROOT, service, redis.url, join(scratch, service));
      await stop(running.child);
      expect(running.output()).toContain(SERVICES[service]);
      // A SIGTERM right after the ready line is a clean stop too, not the default kill.
      expect({ code: running.child.exitCode, signal: running.child.signalCode }).toEqual({
        code: 0,
        signal: null,
      });
    },
  );

  it('no compiled file imports a .ts file', () => {
    const offenders: string[] = [];
    const specifier =
      /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+\.[mc]?ts)['"]/g;
    for (const dir of distDirs())
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.[mc]?js$/.test(entry.name)) continue;
        const file = join(entry.parentPath, entry.name);
        for (const m of readFileSync(file, 'utf8').matchAll(specifier))
          offenders.push(`${file.slice(ROOT.length + 1)}: ${m[1]}`);
      }
    expect(distDirs().length).toBeGreaterThanOrEqual(Object.keys(SERVICES).length);
    expect(offenders).toEqual([]);
  });
});

describe('the image’s runtime stage, rebuilt here as infra/Dockerfile builds it (no Docker engine)', () => {
  const dockerfile = readFileSync(join(ROOT, 'infra/Dockerfile'), 'utf8');
  const stage = (name: string) => {
    const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
    const next = dockerfile.indexOf('\nFROM ', start + 1);
    return dockerfile.slice(start, next < 0 ? undefined : next);
  };

  it('holds production dependencies and dist/ only, and every service starts from it with plain node', async () => {
    const app = join(scratch, 'app');
    mkdirSync(app);
    // The manifests stage: the files its COPY lines name.
    for (const [, sources, target] of stage('manifests').matchAll(/^COPY (.+) (\S+)$/gm))
      for (const source of sources!.split(' '))
        cpSync(
          join(ROOT, source),
          join(app, target === './' ? source : join(target!, source.split('/').pop()!)),
        );
    // The production-dependencies stage: its install, from this machine's pnpm store.
    const pnpm = /npm install -g (pnpm@\S+)/.exec(dockerfile)![1]!;
    const install = /^RUN pnpm install (.*)$/m.exec(stage('production-dependencies'))![1]!;
    const args = install.split(' ').map((a) => a.replace(/^"(.*)"$/, '$1'));
    const installed = spawnSync('npx', ['-y', pnpm, 'install', ...args, '--prefer-offline'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect({
      status: installed.status,
      output: installed.status ? installed.stdout + installed.stderr : '',
    }).toEqual({ status: 0, output: '' });
    // The runtime stage: compiled output from the build stage (this checkout's pnpm build), examples/.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const [, from, to] of runtime.matchAll(/^COPY --from=build --chown=\S+ \/app\/(\S+) (\S+)$/gm)) {
      mkdirSync(dirname(join(app, to!)), { recursive: true });
      cpSync(join(ROOT, from!), join(app, to!), { recursive: true });
    }
    for (const [, from, to] of runtime.matchAll(/^COPY --chown=\S+ (?!--)(\S+) (\S+)$/gm))
      cpSync(join(ROOT, from!), join(app, to!), { recursive: true });

    // Nothing that compiles, tests or loads TypeScript.
    const store = readdirSync(join(app, 'node_modules/.pnpm')).map((d) => /^@?[^@]+/.exec(d)![0]);
    const tools = ['typescript', 'tsx', 'vitest', 'esbuild', '@biomejs+biome', 'testcontainers', 'vite'];
    expect(store.filter((d) => tools.includes(d))).toEqual([]);
    expect(store).toContain('bullmq');
    // No sources: a service that reached for one would not start.
    for (const group of ['packages', 'services'])
      for (const name of readdirSync(join(app, group)))
        expect({ name, src: existsSync(join(app, group, name, 'src')) }).toEqual({ name, src: false });

    for (const service of Object.keys(SERVICES) as Service[]) {
      const running = await startCompiled(app, service, redis.url, join(scratch, `image-${service}`));
      await stop(running.child);
      expect({ service, ready: running.output().includes(SERVICES[service]) }).toEqual({
        service,
        ready: true,
      });
    }
  }, 120_000);
});
