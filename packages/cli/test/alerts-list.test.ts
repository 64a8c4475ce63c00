import { groupStore } from '@faultline/alerter-worker/group-store';
import { createRedis, redisKeys } from '@faultline/runtime';
import { quotaEvent, runRepoProcess, startTestRedis, type TestRedis } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertTable } from '../src/commands/alert-table.ts';
import { plural } from '../src/plural.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

/** Where each header starts: every row's cell must start there too. */
const columnStarts = (header: string) => [...header.matchAll(/\S+( \S+)*/g)].map((m) => m.index!);

describe('faultline alerts list', () => {
  it('lines up every column, however long a model name or a provider is', async () => {
    const prefix = '{t-alerts-list}';
    const conn = createRedis(redis.url);
    const store = groupStore(conn, redisKeys(prefix), 3_600_000);
    const now = Date.parse('2026-12-06T01:33:36.334Z');
    await store.record(
      'fp-long',
      { ...quotaEvent, model: 'a-very-long-model-name-from-a-gateway/with-a-path' },
      now,
      3_600_000,
      0,
    );
    await store.record(
      'fp-short',
      { ...quotaEvent, provider: 'outage-cloud-provider-xl', model: null },
      now + 1,
      3_600_000,
      0,
    );
    conn.disconnect();

    const list = runRepoProcess(['packages/cli/src/main.ts', 'alerts', 'list'], {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
    });
    expect(await list.exited).toBe(0);
    const [header, ...rows] = list.output().trimEnd().split('\n');
    expect(header).toMatch(/^STATE\s+CATEGORY\s+PROVIDER\s+MODEL\s+EVENTS\s+FIRST SEEN\s+LAST SEEN$/);
    expect(rows).toHaveLength(2);
    const starts = columnStarts(header!);
    for (const row of rows) {
      // Every cell starts where its header does (EVENTS is right-aligned: it ends where its header ends).
      for (const [i, at] of starts.entries()) {
        if (i === 4) continue;
        expect(row[at - 1] ?? ' ', `column ${i} of "${row}"`).toBe(' ');
        expect(row[at], `column ${i} of "${row}"`).not.toBe(' ');
      }
      // Two timestamps never run together.
      expect(row).not.toMatch(/\dZ\d/);
    }
    expect(list.output()).toContain('a-very-long-model-name-from-a-gateway/with-a-path');
  });

  it('right-aligns the counts, two spaces between columns', () => {
    const table = alertTable([
      [
        'open',
        'rate_limit',
        'openai',
        'gpt-4o',
        '60',
        '2026-12-06T01:33:36.334Z',
        '2026-12-06T01:34:30.326Z',
      ],
      ['resolved', 'server_error', 'outage-cloud', '*', '1', '2026-12-06T01:33:36Z', '2026-12-06T01:34:30Z'],
    ]);
    expect(table).toBe(
      [
        'STATE     CATEGORY      PROVIDER      MODEL   EVENTS  FIRST SEEN                LAST SEEN',
        'open      rate_limit    openai        gpt-4o      60  2026-12-06T01:33:36.334Z  2026-12-06T01:34:30.326Z',
        'resolved  server_error  outage-cloud  *            1  2026-12-06T01:33:36Z      2026-12-06T01:34:30Z',
        '',
      ].join('\n'),
    );
  });
});

describe('counts in CLI output', () => {
  it.each([
    [0, 'failed delivery', 'failed deliveries', '0 failed deliveries'],
    [1, 'failed delivery', 'failed deliveries', '1 failed delivery'],
    [2, 'failed delivery', 'failed deliveries', '2 failed deliveries'],
    [1, 'model', undefined, '1 model'],
    [12, 'model', undefined, '12 models'],
    [1, 'key', undefined, '1 key'],
  ])('%i %s', (n, one, many, text) => {
    expect(plural(n, one, many)).toBe(text);
  });
});
