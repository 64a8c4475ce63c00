import { CATEGORIES, type Category } from '@faultline/core';

export interface Scored {
  expected: string;
  got: Category;
}

/** Accuracy overall and per expected category, plus a confusion matrix (rows expected, columns got). */
export function formatAccuracyReport(results: Scored[]): string {
  const short = (c: string) =>
    c.replace('_quota', '').replace('_request', '_req').replace('authentication', 'auth');
  const lines: string[] = [];
  const correct = results.filter((r) => r.expected === r.got).length;
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
  lines.push(`accuracy: ${correct}/${results.length} (${pct(correct, results.length)})`, '');
  lines.push('per category (expected):');
  for (const cat of CATEGORIES) {
    const rows = results.filter((r) => r.expected === cat);
    if (!rows.length) continue;
    const ok = rows.filter((r) => r.got === cat).length;
    lines.push(
      `  ${cat.padEnd(16)} ${String(ok).padStart(4)}/${String(rows.length).padEnd(4)} ${pct(ok, rows.length)}`,
    );
  }
  lines.push('', 'confusion matrix (rows: expected, columns: classified):');
  const w = 9;
  lines.push(
    `${''.padEnd(16)}${CATEGORIES.map((c) =>
      short(c)
        .slice(0, w - 1)
        .padStart(w),
    ).join('')}`,
  );
  for (const expected of CATEGORIES) {
    const row = CATEGORIES.map((got) =>
      String(results.filter((r) => r.expected === expected && r.got === got).length || '.').padStart(w),
    );
    lines.push(`${expected.padEnd(16)}${row.join('')}`);
  }
  return lines.join('\n');
}
