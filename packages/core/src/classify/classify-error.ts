import { redactSecrets } from '../redact.ts';
import { type ClassifiedError, type ClassifyContext, type Confidence, TAXONOMY } from '../taxonomy.ts';
import { retryAfterMs } from './retry-after.ts';
import { DEFAULT_CONFIDENCE, type Rule, type Verdict } from './rule.ts';
import { RULES } from './rules/index.ts';
import { extractSignals, type Signals } from './signals.ts';

const MAX_MESSAGE = 500;
const UNRECOGNIZED: Verdict = { category: 'unknown', reason: 'unrecognized', confidence: 'fallback' };
/** The `rule` of a classification no rule decided. */
export const FALLBACK_RULE = 'fallback';

export interface ClassifyOptions {
  /** Clock for `retry-after` HTTP dates and `anthropic-ratelimit-*-reset` times (ms since epoch). */
  now?: number;
  /**
   * Rules tried before the built-in ones, in order (an operator's, compiled from FAULTLINE_CLASSIFIER_RULES).
   * One that throws is skipped: a bad rule must not stop the alert.
   */
  rules?: readonly Rule[];
}

/** A classification that says which rule decided and how sure it is: what `classifyError` returns. */
export type Classification = ClassifiedError & { rule: string; confidence: Confidence };

/** A classification with what it was decided from: the signals read and the wait asked for. */
export interface Explained {
  classified: Classification;
  signals: Signals;
  retryAfterMs: number | null;
}

/**
 * Classifies whatever a provider call threw or returned: SDK errors, raw `{ status, headers, body }`
 * responses, Node/undici network errors (with their cause chains), aborts and strings. Never throws:
 * input it cannot read is `unknown`.
 */
export function classifyError(error: unknown, ctx: ClassifyContext, opts?: ClassifyOptions): Classification {
  return explainClassification(error, ctx, opts).classified;
}

/** `classifyError`, and the signals it read: for `faultline classify --explain` and for tests. */
export function explainClassification(
  error: unknown,
  ctx: ClassifyContext,
  opts?: ClassifyOptions,
): Explained {
  let context: Required<ClassifyContext> = { provider: 'unknown', model: null, gateway: null };
  try {
    context = readContext(ctx);
    const now = typeof opts?.now === 'number' && Number.isFinite(opts.now) ? opts.now : Date.now();
    const rules = Array.isArray(opts?.rules) ? opts.rules : undefined;
    return classify(error, context, now, rules);
  } catch {
    // A Proxy that throws, a getter that throws: the alert must still go out.
    return { classified: unreadable(context), signals: extractSignals(undefined), retryAfterMs: null };
  }
}

const str = (v: unknown) => (typeof v === 'string' && v ? redactSecrets(v) : null);

function readContext(ctx: ClassifyContext): Required<ClassifyContext> {
  return {
    provider: str(ctx?.provider) ?? 'unknown',
    model: str(ctx?.model),
    gateway: str(ctx?.gateway),
  };
}

function classify(
  input: unknown,
  ctx: Required<ClassifyContext>,
  now: number,
  extra: readonly Rule[] | undefined,
): Explained {
  const s = extractSignals(input);
  const retryAfter = retryAfterMs(s.headers, s.text, now);
  let found = UNRECOGNIZED;
  let by: Rule | null = null;
  if (extra)
    for (const r of extra) {
      const v = operatorMatch(r, s, retryAfter);
      if (v) {
        found = v;
        by = r;
        break;
      }
    }
  if (!by)
    for (const r of RULES) {
      const v = r.match(s, retryAfter);
      if (v) {
        found = v;
        by = r;
        break;
      }
    }
  const confidence: Confidence = by ? (found.confidence ?? by.confidence ?? DEFAULT_CONFIDENCE) : 'fallback';
  const spec = TAXONOMY[found.category];
  const code = s.providerCode ?? s.providerType;
  const classified: Classification = {
    category: found.category,
    severity: spec.severity,
    isRetryable: found.retryable ?? spec.retryable,
    provider: ctx.provider,
    model: ctx.model,
    gateway: ctx.gateway,
    statusCode: s.status,
    providerCode: code ? redactSecrets(code) : null,
    reason: found.reason,
    retryAfterMs: retryAfter,
    requestId: s.requestId ? redactSecrets(s.requestId) : null,
    originalError: redactSecrets(originalErrorName(input, s)),
    message: describe(s, input),
    recommendedActions: spec.actions(ctx.provider),
    // Built-in names, or an operator's, which its schema keeps to letters, digits and . _ -.
    rule: by ? by.name : FALLBACK_RULE,
    confidence,
  };
  return { classified, signals: s, retryAfterMs: retryAfter };
}

/** A rule from outside (an operator's): one that throws or answers nonsense is passed over. */
function operatorMatch(r: Rule, s: Signals, retryAfter: number | null): Verdict | null {
  try {
    const v = r.match(s, retryAfter);
    return v && typeof v === 'object' && Object.hasOwn(TAXONOMY, v.category) ? v : null;
  } catch {
    return null;
  }
}

function originalErrorName(input: unknown, s: Signals): string {
  const top = s.names[0];
  if (top && top !== 'Error') return top;
  if (s.nodeCode) return s.nodeCode;
  if (typeof input === 'string') return 'string';
  if (input && typeof input === 'object' && 'status' in input && 'body' in input) return 'HttpResponse';
  return top ?? typeof input;
}

const TAGS = /<[^>]*>/g;
const SPACES = /\s+/g;
const LOOSE_SPACE = /\s\s|[^\S ]/;

function describe(s: Signals, input: unknown): string {
  // The signals' texts are read as peeled (unwrap.ts): HTML reduced to words, lines joined. Only raw input is not.
  let text = (s.message || (typeof input === 'string' ? input : '') || 'no message').slice(
    0,
    MAX_MESSAGE * 8,
  );
  if (!s.message) {
    // Bound before the regexes: a body can be megabytes.
    if (text.trimStart().startsWith('<')) text = text.replace(TAGS, ' ');
    if (LOOSE_SPACE.test(text)) text = text.replace(SPACES, ' ');
  }
  // Redact before cutting: a key cut in half no longer looks like a key.
  text = redactSecrets(text.trim()) || 'no message';
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function unreadable(ctx: Required<ClassifyContext>): Classification {
  const spec = TAXONOMY.unknown;
  return {
    category: 'unknown',
    severity: spec.severity,
    isRetryable: false,
    provider: ctx.provider,
    model: ctx.model,
    gateway: ctx.gateway,
    statusCode: null,
    providerCode: null,
    reason: 'unrecognized',
    retryAfterMs: null,
    requestId: null,
    originalError: 'unreadable',
    message: 'the error could not be read',
    recommendedActions: spec.actions(ctx.provider),
    rule: 'unreadable',
    confidence: 'fallback',
  };
}
