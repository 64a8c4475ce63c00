import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  BUNDLED_CORPUS,
  type CorpusCase,
  corpusToReplay,
  loadCorpus,
  type ReplayEnv,
  replayCase,
  startReplayEnv,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, type Category, classifyError } from '../src/index.ts';

const corpus = corpusToReplay();
console.log(`corpus test replays ${corpus.files.join(', ')} (${corpus.why})`);

let env: ReplayEnv;
beforeAll(async () => {
  env = await startReplayEnv();
});
afterAll(() => env?.close());

describe('which corpus is replayed', () => {
  it('every *.jsonl of the shared corpus, so that a new file joins without a code change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-shared-'));
    try {
      for (const name of ['errors-dev.jsonl', 'errors-dev-2.jsonl', 'README.md'])
        writeFileSync(join(dir, name), '');
      mkdirSync(join(dir, 'old.jsonl.d'));
      expect(corpusToReplay(dir).files.map((f) => basename(f))).toEqual([
        'errors-dev-2.jsonl',
        'errors-dev.jsonl',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundled sample, saying why, when the shared corpus is absent', () => {
    const absent = join(tmpdir(), 'faultline-no-such-dir', 'corpus');
    expect(corpusToReplay(absent)).toEqual({
      files: [BUNDLED_CORPUS],
      why: expect.stringContaining(`${absent} is absent`),
    });
  });

  it('the bundled sample is a corpus: every category, both kinds, unique ids', () => {
    const cases = loadCorpus(BUNDLED_CORPUS);
    expect(new Set(cases.map((c) => c.expected))).toEqual(new Set(CATEGORIES));
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['http', 'network']));
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
});

interface Result {
  file: string;
  id: string;
  expected: string;
  got: Category;
  reason: string;
  rule: string;
  retryOk: boolean;
}

const rate = (rows: readonly Result[]) => rows.filter((r) => r.expected === r.got).length / rows.length;
const percent = (rows: readonly Result[]) => `${(100 * rate(rows)).toFixed(1)} % of ${rows.length}`;

function report(results: readonly Result[]): string {
  const files = [...new Set(results.map((r) => r.file))].map((file) => {
    const rows = results.filter((r) => r.file === file);
    const of = (cat: string) => rows.filter((r) => r.expected === cat);
    return `  ${file}: ${percent(rows)}; billing_quota ${percent(of('billing_quota'))}; authentication ${percent(of('authentication'))}`;
  });
  const categories = CATEGORIES.map((cat) => {
    const rows = results.filter((r) => r.expected === cat);
    return rows.length ? `  ${cat.padEnd(16)} ${percent(rows)}` : null;
  }).filter(Boolean);
  const misses = results
    .filter((r) => r.expected !== r.got)
    .map((r) => `  ${r.file} ${r.id}: expected ${r.expected}, got ${r.got} (${r.reason}, rule ${r.rule})`);
  const retry = results.filter((r) => r.retryOk).length / results.length;
  return [
    `corpus accuracy ${percent(results)}; retryable agrees on ${(100 * retry).toFixed(1)} %`,
    ...files,
    ...categories,
    misses.length ? `misses:\n${misses.join('\n')}` : 'no misses',
  ].join('\n');
}

describe(`the classifier on real provider errors (${corpus.files.map((f) => basename(f)).join(', ')}), replayed through the real SDKs`, () => {
  it('is >= 99 % correct on the whole sample and 100 % on billing_quota and authentication', async () => {
    const results: Result[] = [];
    for (const file of corpus.files) {
      const cases: CorpusCase[] = loadCorpus(file);
      for (const c of cases) {
        const { thrown, context } = await replayCase(c, env);
        const classified = classifyError(thrown, context);
        results.push({
          file: basename(file),
          id: c.id,
          expected: c.expected,
          got: classified.category,
          reason: classified.reason,
          rule: classified.rule,
          retryOk: classified.isRetryable === c.retryable,
        });
      }
    }
    console.log(report(results));
    expect(rate(results)).toBeGreaterThanOrEqual(0.99);
    expect(rate(results.filter((r) => r.expected === 'billing_quota'))).toBe(1);
    expect(rate(results.filter((r) => r.expected === 'authentication'))).toBe(1);
  }, 120_000);
});
