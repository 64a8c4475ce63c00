import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  faultTestsSkipReason,
  NO_REDIS_MESSAGE,
  pollUntil,
  redisAnswers,
  startTestRedis,
  type TestRedis,
} from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const THIS_FILE = 'packages/testkit/test/redis-server.test.ts';
// With REDIS_URL set the kit does not start Redis, so only the REDIS_URL behaviour can be checked.
const skipReason = faultTestsSkipReason();
const LOCAL = skipReason === null;
if (skipReason) console.warn(skipReason);

function connect(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = connect(url);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

describe.runIf(LOCAL)('a throw-away redis-server', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis?.close());

  it('runs on a free port of its own, not the machine-wide 6379, with a fresh data directory', () => {
    expect(redis.external).toBe(false);
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.dataDir && existsSync(redis.dataDir)).toBeTruthy();
  });

  it('keeps every write across restart()', async () => {
    await withClient(redis.url, (c) => c.set('kept-across-restart', 'yes'));
    await redis.restart();
    expect(await withClient(redis.url, (c) => c.get('kept-across-restart'))).toBe('yes');
  });

  it('refuses connections while stopped, and comes back with its data on the same port after start()', async () => {
    await withClient(redis.url, (c) => c.set('kept-across-stop', 'yes'));
    await redis.stop();
    expect(await redisAnswers('127.0.0.1', redis.port)).toBe(false);
    const refused = new Promise((resolve) => {
      const down = connect(redis.url);
      down.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      down.connect().catch(() => down.disconnect());
    });
    expect(await refused).toBe('ECONNREFUSED');

    await redis.start();
    expect(await withClient(redis.url, (c) => c.get('kept-across-stop'))).toBe('yes');
  });
});

describe.runIf(LOCAL)('close()', () => {
  it('stops the server and removes its data directory', async () => {
    const redis = await startTestRedis();
    const dir = redis.dataDir!;
    await redis.close();
    expect(existsSync(dir)).toBe(false);
    expect(await redisAnswers('127.0.0.1', redis.port)).toBe(false);
  });
});

describe.runIf(LOCAL)('a redis-server never outlives the process that started it', () => {
  let holder: ChildProcess | undefined;
  let dataDir: string | null = null;
  afterAll(() => {
    holder?.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('dies, and its data directory goes, when that process is SIGKILLed with no chance to clean up', async () => {
    const { REDIS_URL: _, ...env } = process.env;
    holder = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'packages/testkit/test/fixtures/hold-redis.ts'],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const started = await new Promise<{ port: number; dataDir: string }>((resolve, reject) => {
      let out = '';
      holder!.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
      });
      holder!.once('exit', (code) => reject(new Error(`the holding process exited early (${code})`)));
    });
    dataDir = started.dataDir;
    expect(await redisAnswers('127.0.0.1', started.port)).toBe(true);

    holder.kill('SIGKILL');
    await pollUntil(
      'the orphaned redis-server to be killed and its data directory removed',
      async () => !existsSync(started.dataDir) && !(await redisAnswers('127.0.0.1', started.port)),
    );
  });
});

describe('REDIS_URL', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is used as it is: nothing is started, stop/start/restart refuse and say why, close does nothing', async () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:6390');
    const redis = await startTestRedis();
    expect(redis).toMatchObject({ url: 'redis://127.0.0.1:6390', port: 6390, external: true, dataDir: null });
    for (const fault of [redis.stop, redis.start, redis.restart]) {
      await expect(fault()).rejects.toThrow(/need a locally started redis-server/);
    }
    await expect(redis.close()).resolves.toBeUndefined();
  });
});

describe('with REDIS_URL set, the tests that stop and restart Redis', () => {
  it('are skipped with a message saying why and what to unset', () => {
    expect(faultTestsSkipReason({ REDIS_URL: 'redis://10.0.0.7:6379' })).toMatch(
      /skipped: REDIS_URL is set \(redis:\/\/10\.0\.0\.7:6379\).*unset REDIS_URL to run them/,
    );
    expect(faultTestsSkipReason({})).toBeNull();
  });

  // The run below sets REDIS_URL, so it does not start itself again.
  it.runIf(LOCAL)(
    'print that message when this file runs with REDIS_URL set',
    async () => {
      const { REDIS_URL: _, ...env } = process.env;
      const run = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', THIS_FILE], {
        cwd: ROOT,
        // Nothing listens there: the kit must not even try it.
        env: { ...env, REDIS_URL: 'redis://127.0.0.1:1', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      run.stdout!.on('data', (d) => {
        out += d;
      });
      run.stderr!.on('data', (d) => {
        out += d;
      });
      const code = await new Promise((r) => run.once('exit', r));
      expect(out).toContain(faultTestsSkipReason({ REDIS_URL: 'redis://127.0.0.1:1' }));
      expect({ code, out }).toMatchObject({
        code: 0,
        out: expect.stringMatching(/Tests\s+\d+ passed \| \d+ skipped/),
      });
    },
    60_000,
  );
});

describe('no redis-server on PATH and no Docker engine', () => {
  it('fails saying what to install, or where to point REDIS_URL', async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), 'faultline-no-redis-'));
    const { REDIS_URL: _, ...env } = process.env;
    try {
      const started = startTestRedis(
        {},
        { env: { ...env, PATH: emptyBin }, container: async () => undefined },
      );
      await expect(started).rejects.toThrow(NO_REDIS_MESSAGE);
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
    expect(NO_REDIS_MESSAGE).toMatch(/redis-server not found on PATH and no Docker engine/);
    expect(NO_REDIS_MESSAGE).toMatch(/apt-get install redis-server/);
    expect(NO_REDIS_MESSAGE).toMatch(/brew install redis/);
    expect(NO_REDIS_MESSAGE).toMatch(/REDIS_URL=redis:\/\/host:port/);
  });

  it('asks for a container only when no redis-server is on PATH', async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), 'faultline-no-redis-'));
    const { REDIS_URL: _, ...env } = process.env;
    let asked = 0;
    const container = async () => {
      asked++;
      return undefined;
    };
    try {
      await expect(startTestRedis({}, { env: { ...env, PATH: emptyBin }, container })).rejects.toThrow();
      expect(asked).toBe(1);
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
    if (!LOCAL) return;
    const local = await startTestRedis({}, { env, container });
    await local.close();
    expect({ asked, external: local.external, dataDir: typeof local.dataDir }).toEqual({
      asked: 1,
      external: false,
      dataDir: 'string',
    });
  });
});
