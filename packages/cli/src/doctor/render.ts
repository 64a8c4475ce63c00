import type { CheckLine, CheckStatus } from './check.ts';

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };
const COLOUR: Record<CheckStatus, string> = { ok: '32', warn: '33', fail: '31', skip: '2' };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 problems, 1 warning"; "no problems" when nothing failed. */
export function summaryOf(lines: CheckLine[]): string {
  const problems = lines.filter((l) => l.status === 'fail').length;
  const warnings = lines.filter((l) => l.status === 'warn').length;
  const head = problems ? plural(problems, 'problem') : 'no problems';
  return warnings ? `${head}, ${plural(warnings, 'warning')}` : head;
}

/** One aligned line per check and the summary; colours only for a terminal, so logs and pipes get plain text. */
export function renderLines(lines: CheckLine[], colour: boolean): string {
  const width = Math.max(...lines.map((l) => l.name.length));
  const paint = (status: CheckStatus, text: string) =>
    colour ? `\u001b[${COLOUR[status]}m${text}\u001b[0m` : text;
  const body = lines.map(
    (l) =>
      `${paint(l.status, MARK[l.status])} ${l.name.padEnd(width)}  ${l.detail.replace(/\s*\n\s*/g, ' ')}`,
  );
  return `${body.join('\n')}\n\n${summaryOf(lines)}\n`;
}
