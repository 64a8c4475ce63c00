import { RUN_FIELDS, summarizeRun } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { generateExitCode } from '../src/commands/generate-exit-code.ts';

function summary(total: number, succeeded: number, failed: number, categories: Record<string, number> = {}) {
  const hash: Record<string, string> = {
    [RUN_FIELDS.total]: String(total),
    [RUN_FIELDS.succeeded]: String(succeeded),
    [RUN_FIELDS.failed]: String(failed),
  };
  for (const [c, n] of Object.entries(categories)) hash[`cat:${c}`] = String(n);
  return summarizeRun('r', hash);
}

describe('generateExitCode', () => {
  it.each([
    ['all succeeded', summary(3, 3, 0), 0],
    ['some failed', summary(3, 2, 1, { server_error: 1 }), 1],
    ['all failed', summary(3, 0, 3, { server_error: 3 }), 2],
    ['unfinished jobs count as failed', summary(3, 1, 0), 1],
    ['nothing finished', summary(3, 0, 0), 2],
    ['billing wins over some failed', summary(3, 2, 1, { billing_quota: 1 }), 5],
    ['authentication wins over all failed', summary(3, 0, 3, { authentication: 3 }), 6],
    ['authentication wins over billing', summary(3, 0, 3, { authentication: 1, billing_quota: 2 }), 6],
    ['a retried-away billing error still counts', summary(3, 3, 0, { billing_quota: 1 }), 5],
  ])('%s → %i', (_name, s, code) => {
    expect(generateExitCode(s)).toBe(code);
  });
});
