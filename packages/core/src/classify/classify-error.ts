import { redactSecrets } from '../redact.ts';
import { type ClassifiedError, type ClassifyContext, TAXONOMY } from '../taxonomy.ts';
import { retryAfterMs } from './retry-after.ts';
import type { Verdict } from './rule.ts';
import { RULES } from './rules/index.ts';
import { extractSignals, type Signals } from './signals.ts';

const MAX_MESSAGE = 500;
const UNRECOGNIZED: Verdict = { category: 'unknown', reason: 'unrecognized' };

export interface ClassifyOptions {
  /** Clock for `retry-after` HTTP dates and `anthropic-ratelimit-*-reset` times (ms since epoch). */
  now?: number;
}

/**
 * Classifies whatever a provider call threw or returned: SDK errors, raw `{ status, headers, body }`
 * responses, Node/undici network errors (with their cause chains), aborts and strings. Never throws:
 * input it cannot read is `unknown`.
 */
export function classifyError(error: unknown, ctx: ClassifyContext, opts?: ClassifyOptions): ClassifiedError {
  let context: Required<ClassifyContext> = { provider: 'unknown', model: null, gateway: null };
  try {
    context = readContext(ctx);
    const now = typeof opts?.now === 'number' && Number.isFinite(opts.now) ? opts.now : Date.now();
    return classify(error, context, now);
  } catch {
    // A Proxy that throws, a getter that throws: the alert must still go out.
    return unreadable(context);
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

function classify(input: unknown, ctx: Required<ClassifyContext>, now: number): ClassifiedError {
  const s = extractSignals(input);
  const retryAfter = retryAfterMs(s.headers, s.text, now);
  let found = UNRECOGNIZED;
  for (const rule of RULES) {
    const v = rule.match(s, retryAfter);
    if (v) {
      found = v;
      break;
    }
  }
  const spec = TAXONOMY[found.category];
  const code = s.providerCode ?? s.providerType;
  return {
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
  };
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
  let text = s.message || (typeof input === 'string' ? input : '') || 'no message';
  // Bound before the regexes: a body can be megabytes.
  text = text.slice(0, MAX_MESSAGE * 8);
  if (text.trimStart().startsWith('<')) text = text.replace(TAGS, ' ');
  if (LOOSE_SPACE.test(text)) text = text.replace(SPACES, ' ');
  // Redact before cutting: a key cut in half no longer looks like a key.
  text = redactSecrets(text.trim()) || 'no message';
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function unreadable(ctx: Required<ClassifyContext>): ClassifiedError {
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
  };
}
