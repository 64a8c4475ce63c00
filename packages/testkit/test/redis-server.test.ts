import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pollUntil, redisAnswers, startTestRedis, type TestRedis } from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
// With REDIS_URL set the kit does not start Redis, so only the REDIS_URL behaviour can be checked.
const LOCAL = !process.env.REDIS_URL;

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
    holder = spawn(process.execPath, ['--import', 'tsx', 'packages/testkit/test/fixtures/hold-redis.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
