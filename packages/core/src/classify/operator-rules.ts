import { z } from 'zod';
import {
  CATEGORIES,
  type ClassifiedError,
  type ClassifyContext,
  SEVERITIES,
  type Severity,
} from '../taxonomy.ts';
import { type ClassifyOptions, classifyError } from './classify-error.ts';
import type { Reason } from './reasons.ts';
import type { Rule, Verdict } from './rule.ts';
import type { Signals } from './signals.ts';

/**
 * Rules an operator adds without a deploy (FAULTLINE_CLASSIFIER_RULES): each matches what a provider
 * said and sets what it means. They run before the built-in rules, in file order; the first that
 * matches decides. This file is the format and its meaning; reading the file is @faultline/runtime's.
 */

/** Case-insensitive, unanchored; `m`, so `^`/`$` also hold at each text's start and end. */
const Pattern = z
  .string({ error: 'expected a regular expression (a string)' })
  .min(1, 'expected a regular expression, not an empty string')
  .transform((source, ctx) => {
    try {
      return new RegExp(source, 'im');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const STATUS_HELP = 'expected an HTTP status (100 to 599), a list of them, or a class such as 4xx';
const isStatus = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599;

/** `402`, `[402, 409]` or `4xx`, as a test of the status said (one message for all three forms). */
const Status = z.unknown().transform((v, ctx): ((status: number) => boolean) => {
  if (isStatus(v)) return (s) => s === v;
  if (Array.isArray(v) && v.length > 0 && v.every(isStatus)) return (s) => v.includes(s);
  if (typeof v === 'string' && /^[1-5]xx$/i.test(v)) {
    const first = Number(v[0]) * 100;
    return (s) => s >= first && s < first + 100;
  }
  ctx.addIssue({ code: 'custom', message: `${STATUS_HELP}, not ${JSON.stringify(v)}` });
  return z.NEVER;
});

const CONDITIONS = ['provider', 'status', 'code', 'type', 'message'] as const;

const unknownField = (expected: string) => (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys'
    ? `unknown field ${issue.keys?.join(', ')}: expected ${expected}`
    : undefined;

const Match = z
  .strictObject(
    {
      /** The provider's name, or the gateway it is reached through. */
      provider: Pattern.optional(),
      status: Status.optional(),
      /** Any code the error carries: `code`, `error_code`, a google.rpc status or reason, an AWS exception. */
      code: Pattern.optional(),
      /** The error's `type` field, or the class of what was thrown (`RateLimitError`, `APIConnectionError`). */
      type: Pattern.optional(),
      /** Any human text of the error: messages, bodies, causes. */
      message: Pattern.optional(),
    },
    { error: unknownField(CONDITIONS.join(', ')) },
  )
  .refine((m) => CONDITIONS.some((c) => m[c] !== undefined), {
    error: `name at least one of ${CONDITIONS.join(', ')}`,
    // A misspelt condition is already named; "name at least one" would only repeat it.
    when: (payload) => payload.issues.length === 0,
  });

const Outcome = z.strictObject(
  {
    category: z.enum(CATEGORIES),
    reason: z
      .string({ error: 'expected a reason in lower_snake_case, e.g. wallet_empty' })
      .regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a reason in lower_snake_case, e.g. wallet_empty'),
    /** Default: the category's (README taxonomy table). */
    severity: z.enum(SEVERITIES).optional(),
    /** Default: the category's. */
    retryable: z.boolean({ error: 'expected true or false' }).optional(),
  },
  { error: unknownField('category, reason, severity, retryable') },
);

const OperatorRuleSpec = z.strictObject(
  {
    name: z
      .string({ error: 'expected a name (letters, digits, . _ -)' })
      .regex(/^[\w.-]{1,64}$/, 'expected a name of 1 to 64 letters, digits, . _ or -'),
    match: Match,
    set: Outcome,
  },
  { error: unknownField('name, match, set') },
);

export const OperatorRulesFile = z
  .strictObject({ rules: z.array(OperatorRuleSpec, { error: 'expected a list of rules' }) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, i) => {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `"${rule.name}" names two rules`,
        });
      seen.add(rule.name);
    });
  });

type Spec = z.output<typeof OperatorRuleSpec>;

/** The prefix of an operator rule's name in `ClassifiedError.rule`, so a verdict shows where it came from. */
export const OPERATOR_RULE_PREFIX = 'operator:';

/** An operator's verdict may set a severity; the built-in verdicts leave it to the category. */
type OperatorVerdict = Verdict & { severity?: Severity };

interface Compiled {
  rule: Rule;
  provider: RegExp | undefined;
  severity: Severity | undefined;
}

function anyMatches(pattern: RegExp, first: string | null, rest: Iterable<string>): boolean {
  if (first !== null && pattern.test(first)) return true;
  for (const v of rest) if (pattern.test(v)) return true;
  return false;
}

function compile(spec: Spec): Compiled {
  const { status, code, type, message } = spec.match;
  const verdict: OperatorVerdict = { category: spec.set.category, reason: spec.set.reason as Reason };
  if (spec.set.retryable !== undefined) verdict.retryable = spec.set.retryable;
  if (spec.set.severity !== undefined) verdict.severity = spec.set.severity;
  const rule: Rule = {
    name: `${OPERATOR_RULE_PREFIX}${spec.name}`,
    // On the classifier's scale (rule.ts): what the operator matched on says how sure the verdict is.
    confidence:
      code || type ? 'documented_code' : message ? 'text_pattern' : status ? 'status_only' : 'fallback',
    match(s: Signals) {
      if (status && (s.status === null || !status(s.status))) return null;
      if (code && !anyMatches(code, s.providerCode, s.codes)) return null;
      if (type && !anyMatches(type, s.providerType, s.names)) return null;
      if (message && !message.test(s.text)) return null;
      return verdict;
    },
  };
  return { rule, provider: spec.match.provider, severity: spec.set.severity };
}

/** Operator rules, compiled: asked per call for those that can apply to its provider. */
export interface OperatorRules {
  readonly names: readonly string[];
  /** The rules whose `provider` (if any) matches the call's provider or gateway, in file order. */
  for(ctx: ClassifyContext): readonly Rule[];
  /** The severity the rule named `rule` sets, if it is an operator rule that sets one. */
  severityOf(rule: string | undefined): Severity | undefined;
}

// Providers are a handful per deployment; the bound only guards against a caller inventing names.
const MAX_CACHED_CONTEXTS = 256;

function operatorRules(compiled: readonly Compiled[]): OperatorRules {
  const byContext = new Map<string, readonly Rule[]>();
  const severities = new Map(compiled.map((c) => [c.rule.name, c.severity]));
  return {
    names: compiled.map((c) => c.rule.name.slice(OPERATOR_RULE_PREFIX.length)),
    for(ctx) {
      if (!compiled.length) return [];
      const provider = typeof ctx?.provider === 'string' ? ctx.provider : '';
      const gateway = typeof ctx?.gateway === 'string' ? ctx.gateway : '';
      const key = `${provider}\n${gateway}`;
      let rules = byContext.get(key);
      if (!rules) {
        rules = compiled
          .filter((c) => !c.provider || c.provider.test(provider) || (gateway && c.provider.test(gateway)))
          .map((c) => c.rule);
        if (byContext.size >= MAX_CACHED_CONTEXTS) byContext.clear();
        byContext.set(key, rules);
      }
      return rules;
    },
    severityOf: (rule) => (rule === undefined ? undefined : severities.get(rule)),
  };
}

export const NO_OPERATOR_RULES: OperatorRules = operatorRules([]);

export type OperatorRulesParse = { ok: true; rules: OperatorRules } | { ok: false; problems: string[] };

/**
 * The rules of a parsed rules file (YAML or JSON, already read), or one line per problem, each naming
 * the rule by index and name and the field by its path: `rules[1] (acme-wallet): set.category: …`.
 */
export function parseOperatorRules(raw: unknown): OperatorRulesParse {
  // An empty file (or `rules:` with nothing under it) is no rules, not an error.
  if (raw === null || raw === undefined) return { ok: true, rules: NO_OPERATOR_RULES };
  const parsed = OperatorRulesFile.safeParse(raw);
  if (parsed.success) return { ok: true, rules: operatorRules(parsed.data.rules.map(compile)) };
  return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(raw, issue)) };
}

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
  const [top, index, ...field] = issue.path;
  if (top !== 'rules' || typeof index !== 'number') {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    const hint = issue.path.length ? '' : ' (expected `rules:` and a list of rules under it)';
    return `${where}: ${issue.message}${hint}`;
  }
  const entry = (raw as { rules: unknown[] }).rules[index] as { name?: unknown } | null;
  const name = typeof entry?.name === 'string' && entry.name ? ` (${entry.name})` : ' (unnamed)';
  return `rules[${index}]${name}${field.length ? `: ${field.join('.')}` : ''}: ${issue.message}`;
}

/**
 * `classifyError` with the operator's rules first; a severity the deciding rule sets replaces the
 * category's. Rules match the signals only, so the provider condition is applied here, by context.
 */
export function classifyWithOperatorRules(
  error: unknown,
  ctx: ClassifyContext,
  rules: OperatorRules,
  opts?: ClassifyOptions,
): ClassifiedError {
  if (!rules.names.length) return classifyError(error, ctx, opts);
  const classified = classifyError(error, ctx, { ...opts, rules: rules.for(ctx) });
  const severity = rules.severityOf(classified.rule);
  return severity && severity !== classified.severity ? { ...classified, severity } : classified;
}
