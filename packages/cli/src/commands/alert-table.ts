const HEADERS = ['STATE', 'CATEGORY', 'PROVIDER', 'MODEL', 'EVENTS', 'FIRST SEEN', 'LAST SEEN'];
/** Counts line up on their last digit. */
const RIGHT_ALIGNED = new Set([4]);

/**
 * `alerts list` as columns as wide as their widest cell, two spaces apart: a long model name or a
 * timestamp with milliseconds never runs into the next column.
 */
export function alertTable(rows: string[][]): string {
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (RIGHT_ALIGNED.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[HEADERS, ...rows].map(line).join('\n')}\n`;
}
