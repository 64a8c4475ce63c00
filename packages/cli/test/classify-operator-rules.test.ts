import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClassifiedError, classifyError } from '@faultline/core';
import { createRedis, redisKeys, type UnknownSignatureRow, unknownSignatures } from '@faultline/runtime';
import { runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUnknowns } from '../src/commands/classify-unknowns.ts';

let redis: TestRedis;
let conn: ReturnType<typeof createRedis>;
const dir = mkdtempSync(join(tmpdir(), 'faultline-classify-rules-'));
beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function classify(env: Record<string, string>, ...args: string[]) {
  const proc = runRepoProcess(['packages/cli/src/main.ts', 'classify', ...args], env);
  return { code: await proc.exited, out: proc.output() };
}

const RULES = `rules:
  - name: acme-wallet
    match: { provider: ^acme$, code: ^acme_wallet_empty$ }
    set: { category: billing_quota, reason: wallet_empty, severity: HIGH }
`;
const WALLET = [
  '--provider',
  'acme',
  '--status',
  '400',
  '--body',
  '{"error":{"message":"Error","code":"acme_wallet_empty"}}',
];

describe('faultline classify reads FAULTLINE_CLASSIFIER_RULES before the built-in rules', () => {
  it('an error the built-ins call unknown is classified as the rule says', async () => {
    const without = await classify({}, ...WALLET);
    expect(JSON.parse(without.out)).toMatchObject({ category: 'unknown' });
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, RULES);
    const { code, out } = await classify({ FAULTLINE_CLASSIFIER_RULES: rules }, ...WALLET);
    expect({ code }).toEqual({ code: 0 });
    expect(JSON.parse(out)).toMatchObject({
      category: 'billing_quota',
      reason: 'wallet_empty',
      severity: 'HIGH',
      rule: 'operator:acme-wallet',
    });
  }, 90_000);

  it('a bad rule exits 3 naming the rule by index and name, and the field', async () => {
    const rules = join(dir, 'bad.yaml');
    writeFileSync(
      rules,
      `${RULES}  - name: acme-slow\n    match: { status: 4xx }\n    set: { category: rate_limit, reason: slow, retryable: sometimes }\n`,
    );
    const { code, out } = await classify(
      { FAULTLINE_CLASSIFIER_RULES: rules },
      '--provider',
      'acme',
      '--message',
      'x',
    );
    expect(code).toBe(3);
    expect(out).toMatch(
      /FAULTLINE_CLASSIFIER_RULES: .*bad\.yaml: rules\[1\] \(acme-slow\): set\.retryable: expected true or false/,
    );
  }, 60_000);
});

describe('faultline classify --unknowns lists what the workers could not place', { timeout: 60_000 }, () => {
  const unknown = (message: string, over: Partial<ClassifiedError> = {}): ClassifiedError => ({
    ...classifyError(new Error(message), { provider: 'acme' }),
    ...over,
  });
  const env = { REDIS_URL: '', QUEUE_PREFIX: '{t-classify-unknowns}' };
  beforeAll(async () => {
    env.REDIS_URL = redis.url;
    const store = unknownSignatures(conn, redisKeys(env.QUEUE_PREFIX));
    const t0 = Date.parse('2025-03-01T10:00:00Z');
    for (let i = 0; i < 3; i++) await store.record(unknown(`Wallet W-${i}1 is empty`), t0 + i * 60_000);
    await store.record(unknown('Error', { statusCode: 400, providerCode: 'acme_mystery' }), t0);
  });

  it('as aligned columns, the most frequent first', async () => {
    const { code, out } = await classify(env, '--unknowns');
    expect(code).toBe(0);
    const [header, first, second] = out.split('\n');
    expect(header).toMatch(/^COUNT {2}PROVIDER +STATUS +CODE +VERDICT +FIRST SEEN +LAST SEEN +SAMPLE$/);
    expect(first).toMatch(
      /^ {4}3 {2}acme +- +- +unknown +2025-03-01T10:00:00Z +2025-03-01T10:02:00Z +Wallet W-21 is empty$/,
    );
    expect(second).toMatch(/^ {4}1 {2}acme +400 +acme_mystery +unknown +/);
    for (const column of ['STATUS', 'CODE', 'LAST SEEN', 'SAMPLE'])
      expect(first!.slice(header!.indexOf(column), header!.indexOf(column) + 1)).not.toBe(' ');
  });

  it('as JSON with --json', async () => {
    const { code, out } = await classify(env, '--unknowns', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as UnknownSignatureRow[];
    expect(rows.map((r) => [r.count, r.status, r.code, r.shape])).toEqual([
      [3, null, null, 'wallet <id> is empty'],
      [1, 400, 'acme_mystery', 'error'],
    ]);
    expect(rows[0]).toMatchObject({
      firstSeen: '2025-03-01T10:00:00.000Z',
      lastSeen: '2025-03-01T10:02:00.000Z',
    });
  });

  it('says so when there is nothing', () => {
    expect(formatUnknowns([])).toMatch(/^no unknown errors counted/);
  });

  it('a Redis that does not answer exits 4', async () => {
    const { code } = await classify({ REDIS_URL: 'redis://127.0.0.1:1' }, '--unknowns');
    expect(code).toBe(4);
  });
});
