import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A port held by some other program, as a user's python -m http.server would hold it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe('a port in use names the port and its setting, exits 3, and prints no stack', () => {
  it.each(['OPS_PORT', 'HEALTH_PORT', 'ALERTER_HEALTH_PORT', 'FAULTLINE_REDIS_PORT'])(
    'faultline start with %s taken says so before starting anything',
    async (setting) => {
      const held = await holdPort();
      try {
        const dir = mkdtempSync(join(tmpdir(), 'faultline-port-'));
        const env: Record<string, string> = {
          FAULTLINE_DATA_DIR: join(dir, 'data'),
          FAULTLINE_REDIS_PORT: String(await freePort()),
          OPS_PORT: String(await freePort()),
          HEALTH_PORT: String(await freePort()),
          ALERTER_HEALTH_PORT: String(await freePort()),
          [setting]: String(held.port),
        };
        const start = runRepoProcess(['packages/cli/src/main.ts', 'start'], env);
        expect(await start.exited).toBe(3);
        expect(start.output()).toContain(
          `faultline start: port ${held.port} on 127.0.0.1 is in use (${setting}); stop what holds it or set ${setting} to a free port`,
        );
        expect(start.output()).not.toMatch(/\n\s+at /);
        expect(start.output()).not.toMatch(/started (redis-server|generation)/);
      } finally {
        held.server.close();
      }
    },
    30_000,
  );

  // The services say it too, when they run on their own (a container) or lose a race with another program.
  it.each([
    ['ops', 'services/ops/src/main.ts', 'OPS_PORT'],
    ['health-probe-worker', 'services/health-probe-worker/src/main.ts', 'HEALTH_PORT'],
  ])(
    'the %s service alone, with its port taken',
    async (name, entry, setting) => {
      const held = await holdPort();
      try {
        const proc = runRepoProcess([entry], {
          REDIS_URL: redis.url,
          QUEUE_PREFIX: `{t-port-${name}}`,
          [setting]: String(held.port),
        });
        expect(await proc.exited).toBe(3);
        expect(proc.output()).toContain(
          `port ${held.port} on 127.0.0.1 is in use (${setting}); stop what holds it or set ${setting} to a free port`,
        );
        expect(proc.output()).not.toMatch(/TypeError|\n\s+at /);
      } finally {
        held.server.close();
      }
    },
    30_000,
  );
});
