import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertEvictionPolicy, readEvictionPolicy } from '@faultline/runtime';
import { runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerterEnv, startAlerterProcess } from './support/alerter-env.ts';

// One Redis per policy: the policy is server-wide.
let lru: TestRedis;
let ok: TestRedis;
beforeAll(async () => {
  [lru, ok] = await Promise.all([startTestRedis(), startTestRedis()]);
  // As `redis-server --maxmemory-policy allkeys-lru` would start it (the test kit's own flags are fixed).
  const admin = new Redis(lru.url);
  await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
  // A user that may not run CONFIG (a managed Redis), and one that may read neither CONFIG nor INFO.
  await admin.call('ACL', 'SETUSER', 'noconfig', 'on', '>pw', '~*', '&*', '+@all', '-config');
  admin.disconnect();
  const admin2 = new Redis(ok.url);
  await admin2.call('ACL', 'SETUSER', 'blind', 'on', '>pw', '~*', '&*', '+@all', '-config', '-info');
  admin2.disconnect();
}, 30_000);
afterAll(async () => {
  await Promise.all([lru?.close(), ok?.close()]);
});

const withUser = (url: string, user: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = 'pw';
  return u.toString();
};

const env = (url: string, extra: Record<string, string> = {}) =>
  alerterEnv(url, '{t-eviction}', { ALERTER_HEALTH_PORT: '0', ...extra }).env;

async function exitOf(entry: string, e: Record<string, string>) {
  const proc = runRepoProcess([entry], e);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 25_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}

describe('Redis eviction policy at start-up', () => {
  it('reads the policy by CONFIG GET, or by INFO memory when CONFIG is not allowed', async () => {
    expect(await readEvictionPolicy(lru.url)).toEqual({ policy: 'allkeys-lru', source: 'CONFIG GET' });
    expect(await readEvictionPolicy(withUser(lru.url, 'noconfig'))).toEqual({
      policy: 'allkeys-lru',
      source: 'INFO memory',
    });
    expect((await readEvictionPolicy(withUser(ok.url, 'blind'))).policy).toBeNull();
    // Neither readable: a warning to log (BullMQ itself needs INFO, so no service can run as this user).
    expect(await assertEvictionPolicy(withUser(ok.url, 'blind'))).toMatch(
      /^cannot read Redis's maxmemory-policy \(CONFIG GET: NOPERM.*INFO memory: NOPERM/,
    );
    expect(await assertEvictionPolicy(ok.url)).toBeNull();
  });

  it('the alerter refuses allkeys-lru with exit 3, naming the setting', async () => {
    const { code, output } = await exitOf('services/alerter-worker/src/main.ts', env(lru.url));
    expect(code).toBe(3);
    expect(output).toContain(
      'maxmemory-policy is allkeys-lru: Faultline needs noeviction (queues and alert state must never be evicted); ' +
        'set maxmemory-policy noeviction in redis.conf',
    );
    expect(output).not.toContain('alerter worker ready');
  }, 30_000);

  it('so does a user without CONFIG (the policy read from INFO memory)', async () => {
    const { code, output } = await exitOf(
      'services/alerter-worker/src/main.ts',
      env(withUser(lru.url, 'noconfig')),
    );
    expect(code).toBe(3);
    expect(output).toContain('maxmemory-policy is allkeys-lru');
    // The password of REDIS_URL is not printed.
    expect(output).not.toContain(':pw@');
  }, 30_000);

  it('every service refuses it (the shared start-up)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-evict-'));
    const base = { REDIS_URL: lru.url, QUEUE_PREFIX: '{t-eviction}', LOG_FORMAT: 'json' };
    const results = await Promise.all(
      [
        'services/generation-worker/src/main.ts',
        'services/health-probe-worker/src/main.ts',
        'services/ops/src/main.ts',
      ].map((entry) =>
        exitOf(entry, {
          ...base,
          HEALTH_PORT: '0',
          OPS_PORT: '0',
          OPENAI_API_KEY: 'sk-test',
          FAULTLINE_DATA_DIR: dir,
        }),
      ),
    );
    for (const { code, output } of results) {
      expect(output).toContain('maxmemory-policy is allkeys-lru');
      expect(code).toBe(3);
    }
  }, 40_000);

  it('noeviction starts', async () => {
    const fine = await startAlerterProcess(env(ok.url));
    expect(fine.output()).not.toMatch(/maxmemory-policy/);
    fine.child.kill('SIGTERM');
    expect(await fine.exited).toBe(0);
  }, 60_000);
});
