import type { Category } from '../../taxonomy.ts';
import { CATALOGUE, type CatalogueRow } from '../catalogue/index.ts';
import type { Rule, Verdict } from '../rule.ts';
import type { Signals } from '../signals.ts';

/** A `code` row of the catalogue, under its first token; `also` is its second (a code and a type), if any. */
interface Entry {
  row: CatalogueRow;
  also: string | null;
}

// Numbers are the least private vocabulary (Zhipu's "1300" is a policy block, Mistral's a rate limit):
// a numeric code counts only with the status its provider documents for it.
const NUMERIC = /^\d+$/;

function index(): Map<string, Entry[]> {
  const byToken = new Map<string, Entry[]>();
  for (const { rows } of CATALOGUE)
    for (const row of rows) {
      if (row.kind !== 'code') continue;
      const tokens = [row.code, row.type].filter((t): t is string => !!t).map((t) => t.toLowerCase());
      const [token, also = null] = tokens;
      if (!token) continue;
      const entries = byToken.get(token) ?? [];
      entries.push({ row, also });
      byToken.set(token, entries);
    }
  return byToken;
}

const BY_TOKEN = index();

// When two documented codes disagree in one error, the label order of shared/corpus/README.md decides.
const PRECEDENCE: readonly Category[] = [
  'billing_quota',
  'authentication',
  'model_error',
  'rate_limit',
  'server_error',
  'network_error',
  'invalid_request',
  'unknown',
];

/**
 * The row a token means here. Signals do not carry the provider, so a token is read in every vocabulary
 * that documents it: it speaks when those agree on a category, or when its documented status settles
 * which one is meant; otherwise it says nothing and the text rules decide.
 */
function meaning(token: string, s: Signals): CatalogueRow | null {
  const entries = BY_TOKEN.get(token);
  if (!entries) return null;
  const numeric = NUMERIC.test(token);
  let candidates = entries.filter(
    (e) => (e.also === null || s.codes.has(e.also)) && (!numeric || e.row.status === s.status),
  );
  if (!oneCategory(candidates)) candidates = candidates.filter((e) => e.row.status === s.status);
  return candidates.length > 0 && oneCategory(candidates) ? candidates[0]!.row : null;
}

function oneCategory(entries: readonly Entry[]): boolean {
  for (const e of entries) if (e.row.category !== entries[0]!.row.category) return false;
  return true;
}

/**
 * A provider's documented code or type for this very cause (OpenAI `credit_balance_exhausted`, DashScope
 * `Arrearage`, Zhipu `1113` on a 429, Bedrock `ModelNotReadyException`, Moonshot
 * `engine_overloaded_error`), read from the catalogue. It runs after the billing and credential rules,
 * which still see money and bad keys first in any wording, and before the text rules below them, which
 * a documented code outranks. Broad types (`invalid_request_error`, `RESOURCE_EXHAUSTED`) are `class`
 * rows and are left to the text rules.
 */
// Every verdict of this rule rests on a provider's documented code.
export const catalogueRule: Rule & { confidence: 'documented_code' } = {
  name: 'catalogue',
  confidence: 'documented_code',
  match(s) {
    let found: CatalogueRow | null = null;
    for (const token of s.codes) {
      const row = meaning(token, s);
      if (row && (!found || PRECEDENCE.indexOf(row.category) < PRECEDENCE.indexOf(found.category)))
        found = row;
    }
    if (!found) return null;
    const v: Verdict = { category: found.category, reason: found.reason };
    if (found.retryable !== undefined) v.retryable = found.retryable;
    return v;
  },
};
