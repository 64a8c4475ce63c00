import type { Category, Confidence } from '../taxonomy.ts';
import type { Reason } from './reasons.ts';
import type { Signals } from './signals.ts';

export interface Verdict {
  category: Category;
  reason: Reason;
  /** Overrides the category's default (e.g. a request larger than the TPM cap never succeeds as is). */
  retryable?: boolean;
  /** What this verdict rests on, when it differs from the rule's `confidence` (a code here, a status there). */
  confidence?: Confidence;
}

/**
 * One label rule of shared/corpus/README.md: a name for tests, logs and `ClassifiedError.rule`, how sure
 * its verdicts are, and a test on the signals.
 *
 * Confidence names the strongest signal a verdict rests on, so that a reader (and the unknown counter)
 * can tell a documented code from a guess: `documented_code` when the provider's own code, type, google.rpc
 * status, AWS exception or SDK class for that cause said it; `text_pattern` when a pattern in its text did;
 * `status_only` when only the HTTP status (or the SDK class made from it) did. `fallback` is left to the
 * classifier for "no rule matched" and to verdicts that give up on an opaque error.
 *
 * Operator rules (`operator:<name>`, operator-rules.ts) use the same scale, not a fifth value: what an
 * operator matched on says how sure the verdict is (a `code` or `type` condition is a documented code, a
 * `message` pattern a text pattern, a `status` alone status only), and `rule` already says who wrote it.
 * A rule that names no `confidence` and whose verdicts name none is taken as `text_pattern`.
 */
export interface Rule {
  name: string;
  /** The confidence of this rule's verdicts unless a verdict says otherwise. */
  confidence?: Confidence;
  match(s: Signals, retryAfterMs: number | null): Verdict | null;
}

/** The confidence of a rule that names none (an operator's, written before it could). */
export const DEFAULT_CONFIDENCE: Confidence = 'text_pattern';

export const verdict = (category: Category, reason: Reason, retryable?: boolean): Verdict =>
  retryable === undefined ? { category, reason } : { category, reason, retryable };

/** A verdict resting on something else than its rule's default confidence. */
export function withConfidence(v: Verdict, confidence: Confidence): Verdict {
  return v.retryable === undefined
    ? { category: v.category, reason: v.reason, confidence }
    : { category: v.category, reason: v.reason, retryable: v.retryable, confidence };
}

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
