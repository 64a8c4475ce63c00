import { redactSecrets } from '../redact.ts';
import { type ClassifiedError, type ClassifyContext, TAXONOMY } from '../taxonomy.ts';
import { retryAfterMs } from './retry-after.ts';
import { RULES, type Verdict } from './rules.ts';
import { extractSignals, type Signals } from './signals.ts';

const MAX_MESSAGE = 500;

function originalErrorName(input: unknown, s: Signals): string {
  const top = s.names[0];
  if (top && top !== 'Error') return top;
  if (s.nodeCode) return s.nodeCode;
  if (s.providerType) return s.providerType;
  if (typeof input === 'string') return 'string';
  if (input && typeof input === 'object' && 'status' in input && 'body' in input) return 'HttpResponse';
  return top ?? typeof input;
}

function describe(s: Signals, input: unknown): string {
  const text = s.message || (typeof input === 'string' ? input : '') || 'no message';
  const flat = text.replace(/\s+/g, ' ').trim();
  return redactSecrets(flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 1)}…` : flat);
}

function classifyUnsafe(input: unknown, ctx: ClassifyContext, now: number): ClassifiedError {
  const s = extractSignals(input);
  const retryAfter = retryAfterMs(s.headers, s.text, now);
  let verdict: Verdict = { category: 'unknown', reason: 'unrecognized' };
  for (const rule of RULES) {
    const found = rule.match(s, retryAfter);
    if (found) {
      verdict = found;
      break;
    }
  }
  const spec = TAXONOMY[verdict.category];
  const provider = ctx.provider || 'unknown';
  const isRetryable = verdict.retryable ?? spec.retryable;
  return {
    category: verdict.category,
    severity: spec.severity,
    isRetryable,
    provider,
    model: ctx.model ?? null,
    gateway: ctx.gateway ?? null,
    statusCode: s.status,
    providerCode: s.providerCode
      ? redactSecrets(s.providerCode)
      : s.providerType
        ? redactSecrets(s.providerType)
        : null,
    reason: verdict.reason,
    retryAfterMs: isRetryable || verdict.category === 'rate_limit' ? retryAfter : null,
    requestId: s.requestId ? redactSecrets(s.requestId) : null,
    originalError: redactSecrets(originalErrorName(input, s)),
    message: describe(s, input),
    recommendedActions: spec.actions(provider),
  };
}

/**
 * Classifies whatever a provider call threw or returned: SDK errors, raw `{ status, headers, body }`
 * responses, Node/undici network errors (with their cause chains), aborts and strings. Never throws.
 */
export function classifyError(
  error: unknown,
  ctx: ClassifyContext,
  opts: { now?: number } = {},
): ClassifiedError {
  const provider = typeof ctx?.provider === 'string' && ctx.provider ? ctx.provider : 'unknown';
  try {
    return classifyUnsafe(error, { ...ctx, provider }, opts.now ?? Date.now());
  } catch {
    // Whatever we were handed (a Proxy that throws, a getter that throws), the alert must still go out.
    const spec = TAXONOMY.unknown;
    return {
      category: 'unknown',
      severity: spec.severity,
      isRetryable: false,
      provider,
      model: typeof ctx?.model === 'string' ? ctx.model : null,
      gateway: typeof ctx?.gateway === 'string' ? ctx.gateway : null,
      statusCode: null,
      providerCode: null,
      reason: 'unrecognized',
      retryAfterMs: null,
      requestId: null,
      originalError: 'unreadable',
      message: 'the error could not be read',
      recommendedActions: spec.actions(provider),
    };
  }
}
