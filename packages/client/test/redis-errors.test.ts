import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRedis, onRedisError } from '../src/redis.ts';

/** A port nothing listens on (runtime cannot use the test kit, which depends on it). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('a connection whose Redis is gone', () => {
  it('reports once per 10 s, without the password, while ioredis keeps retrying', async () => {
    const reports: { url: string; message: string }[] = [];
    onRedisError((url, error) => reports.push({ url, message: error.message }));
    const port = await closedPort();
    const redis = createRedis(`redis://:s3cret-pass@127.0.0.1:${port}`, {
      retryStrategy: () => 20,
    });
    let retries = 0;
    redis.on('reconnecting', () => retries++);
    try {
      const deadline = Date.now() + 5000;
      while (retries < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(retries).toBeGreaterThanOrEqual(5);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.message).toMatch(/ECONNREFUSED/);
      expect(reports[0]!.url).toBe(`redis://:***@127.0.0.1:${port}`);
    } finally {
      redis.disconnect();
    }
  });
});
