import type { Category } from '../taxonomy.ts';
import type { Reason } from './reasons.ts';
import type { Signals } from './signals.ts';

export interface Verdict {
  category: Category;
  reason: Reason;
  /** Overrides the category's default (e.g. a request larger than the TPM cap never succeeds as is). */
  retryable?: boolean;
}

/** One label rule of shared/corpus/README.md: a name for tests and logs, and a test on the signals. */
export interface Rule {
  name: string;
  match(s: Signals, retryAfterMs: number | null): Verdict | null;
}

export const verdict = (category: Category, reason: Reason, retryable?: boolean): Verdict =>
  retryable === undefined ? { category, reason } : { category, reason, retryable };

/** Whether the provider said one of these codes (`insufficient_quota`, `resource_exhausted`, `throttlingexception` …). */
export function hasCode(s: Signals, codes: ReadonlySet<string>): boolean {
  for (const c of s.codes) if (codes.has(c)) return true;
  return false;
}

/** Whether a class name met on the way (thrown, or quoted in text) is one of these. */
export function hasKind(s: Signals, kinds: ReadonlySet<string>): boolean {
  for (const k of s.kinds) if (kinds.has(k)) return true;
  return false;
}

export const says = (s: Signals, pattern: RegExp): boolean => pattern.test(s.text);

type Table = readonly (readonly [RegExp, Reason])[];
const anyOf = new WeakMap<Table, RegExp>();

/** The reason of the first pattern the text matches, in table order. */
export function firstReason(s: Signals, table: Table): Reason | null {
  // Most texts match no row: one pass over the union rules that out before the rows are tried in order.
  let any = anyOf.get(table);
  if (!any) {
    any = new RegExp(table.map(([p]) => `(?:${p.source})`).join('|'), 'm');
    anyOf.set(table, any);
  }
  if (!any.test(s.text)) return null;
  for (const [pattern, reason] of table) if (pattern.test(s.text)) return reason;
  return null;
}
