import { existsSync } from 'node:fs';
import {
  defaultCorpusPath,
  loadCorpus,
  type ReplayEnv,
  replayCase,
  startReplayEnv,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, type Category, classifyError } from '../src/index.ts';

const corpusPath = defaultCorpusPath();
const present = existsSync(corpusPath);
if (!present) console.warn(`corpus test skipped: ${corpusPath} is absent (CI puts shared/ beside the repo)`);

let env: ReplayEnv;
beforeAll(async () => {
  env = await startReplayEnv();
});
afterAll(() => env?.close());

describe.runIf(present)('the classifier on real provider errors, replayed through the real SDKs', () => {
  it('is >= 97 % correct overall and 100 % on billing_quota and authentication', async () => {
    const cases = loadCorpus(corpusPath);
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
      `corpus accuracy ${(100 * rate(results)).toFixed(1)} % of ${results.length}; retryable agrees on ${(100 * retryAgreement).toFixed(1)} %\n${table.join('\n')}\n${misses.length ? `misses:\n${misses.join('\n')}` : 'no misses'}`,
    );
    expect(rate(results)).toBeGreaterThanOrEqual(0.97);
    expect(rate(results.filter((r) => r.expected === 'billing_quota'))).toBe(1);
    expect(rate(results.filter((r) => r.expected === 'authentication'))).toBe(1);
  }, 60_000);
});
