import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../src/index.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe.skipIf(process.env.REDIS_URL)('a throw-away redis-server', () => {
  it('keeps data across stop and start, and refuses connections while stopped', async () => {
    const client = new Redis(redis.url, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    await client.connect();
    await client.set('kept', 'yes');
    client.disconnect();

    await redis.stop();
    const down = new Redis(redis.url, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    down.on('error', () => {});
    await expect(down.connect()).rejects.toThrow();
    expect(down.status).not.toBe('ready');
    down.disconnect();

    await redis.start();
    const again = new Redis(redis.url, { lazyConnect: true });
    await again.connect();
    expect(await again.get('kept')).toBe('yes');
    again.disconnect();
  });

  it('runs on its own port, not the machine-wide 6379', () => {
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  });
});
