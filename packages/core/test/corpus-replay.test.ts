import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  defaultCorpusPath,
  loadCorpus,
  REPO_ROOT,
  type ReplayEnv,
  replayCase,
  startReplayEnv,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, type Category, classifyError } from '../src/index.ts';

const BUNDLED = resolve(REPO_ROOT, 'examples/errors-sample.jsonl');

/** The shared corpus where CI puts it beside the repo; else the sample bundled with the repo, so a clone measures something. */
function corpusToReplay(shared: string): { path: string; why: string } {
  return existsSync(shared)
    ? { path: shared, why: 'the shared corpus' }
    : { path: BUNDLED, why: `the bundled sample: ${shared} is absent (CI puts shared/ beside the repo)` };
}

const corpus = corpusToReplay(defaultCorpusPath());
console.log(`corpus test replays ${corpus.path} (${corpus.why})`);

let env: ReplayEnv;
beforeAll(async () => {
  env = await startReplayEnv();
});
afterAll(() => env?.close());

describe('which corpus is replayed', () => {
  it('the shared corpus when it is present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-shared-'));
    const shared = join(dir, 'errors-dev.jsonl');
    try {
      writeFileSync(shared, '');
      expect(corpusToReplay(shared).path).toBe(shared);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundled sample, saying why, when it is absent', () => {
    const absent = join(tmpdir(), 'faultline-no-such-dir', 'errors-dev.jsonl');
    expect(corpusToReplay(absent)).toEqual({
      path: BUNDLED,
      why: expect.stringContaining(`${absent} is absent`),
    });
  });

  it('the bundled sample is a corpus: every category, both kinds, unique ids', () => {
    const cases = loadCorpus(BUNDLED);
    expect(new Set(cases.map((c) => c.expected))).toEqual(new Set(CATEGORIES));
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['http', 'network']));
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
});

describe(`the classifier on real provider errors (${relative(REPO_ROOT, corpus.path)}), replayed through the real SDKs`, () => {
  it('is >= 97 % correct overall and 100 % on billing_quota and authentication', async () => {
    const cases = loadCorpus(corpus.path);
    const results: { id: string; expected: string; got: Category; reason: string; retryOk: boolean }[] = [];
    for (const c of cases) {
      const { thrown, context } = await replayCase(c, env);
      const classified = classifyError(thrown, context);
      results.push({
        id: c.id,
        expected: c.expected,
        got: classified.category,
        reason: classified.reason,
        retryOk: classified.isRetryable === c.retryable,
      });
    }
    const rate = (rows: typeof results) => rows.filter((r) => r.expected === r.got).length / rows.length;
    const table = CATEGORIES.map((cat) => {
      const rows = results.filter((r) => r.expected === cat);
      return rows.length
        ? `  ${cat.padEnd(16)} ${(100 * rate(rows)).toFixed(1).padStart(5)} % of ${rows.length}`
        : null;
    }).filter(Boolean);
    const misses = results
      .filter((r) => r.expected !== r.got)
      .map((r) => `  ${r.id}: expected ${r.expected}, got ${r.got} (${r.reason})`);
    const retryAgreement = results.filter((r) => r.retryOk).length / results.length;
    console.log(
      `corpus accuracy on ${corpus.path} ${(100 * rate(results)).toFixed(1)} % of ${results.length}; retryable agrees on ${(100 * retryAgreement).toFixed(1)} %\n${table.join('\n')}\n${misses.length ? `misses:\n${misses.join('\n')}` : 'no misses'}`,
    );
    expect(rate(results)).toBeGreaterThanOrEqual(0.97);
    expect(rate(results.filter((r) => r.expected === 'billing_quota'))).toBe(1);
    expect(rate(results.filter((r) => r.expected === 'authentication'))).toBe(1);
  }, 60_000);
});
