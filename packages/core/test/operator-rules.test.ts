import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { extractSignals } from '../src/classify/signals.ts';
import {
  type ClassifyContext,
  classifyError,
  classifyWithOperatorRules,
  NO_OPERATOR_RULES,
  type OperatorRules,
  parseOperatorRules,
} from '../src/index.ts';

function rulesOf(raw: unknown): OperatorRules {
  const parsed = parseOperatorRules(raw);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.rules;
}

const rule = (match: Record<string, unknown>, set: Record<string, unknown> = {}, name = 'r') => ({
  name,
  match,
  set: { category: 'billing_quota', reason: 'wallet_empty', ...set },
});

/** Which operator rule, if any, decides `input` for `ctx`: the first of those for the context that matches. */
function decidingRule(rules: OperatorRules, input: unknown, ctx: ClassifyContext): string | null {
  const s = extractSignals(input);
  for (const r of rules.for(ctx)) if (r.match(s, null)) return r.name;
  return null;
}

const raw = (status: number, body: unknown) => ({ status, headers: {}, body });
// An error no built-in rule places: a gateway's own wording on a 200-less failure.
const WALLET = new Error('Acme gateway: wallet W-88213 is empty, top it up in the console');

describe('a rules file is refused naming the rule (index and name) and the field', () => {
  it.each([
    [
      'a category that does not exist',
      [rule({ message: 'x' }, { category: 'billing' }, 'acme-wallet')],
      /^rules\[0\] \(acme-wallet\): set\.category: .*billing_quota/,
    ],
    [
      'a pattern that is no regular expression',
      [rule({ message: 'x' }), rule({ message: 'wallet (' }, {}, 'bad-re')],
      /^rules\[1\] \(bad-re\): match\.message: not a regular expression/,
    ],
    [
      'a match that tests nothing',
      [rule({}, {}, 'catch-all')],
      /^rules\[0\] \(catch-all\): match: name at least one of provider, status, code, type, message/,
    ],
    ['a status out of range', [rule({ status: 700 }, {}, 's')], /^rules\[0\] \(s\): match\.status: /],
    [
      'a status class that is no class',
      [rule({ status: '4x' }, {}, 's')],
      /^rules\[0\] \(s\): match\.status: /,
    ],
    [
      'a condition it does not know',
      [rule({ body: 'x' }, {}, 'typo')],
      /^rules\[0\] \(typo\): match: unknown field body: expected provider, status/,
    ],
    [
      'a severity it does not know',
      [rule({ code: 'x' }, { severity: 'URGENT' }, 'sev')],
      /^rules\[0\] \(sev\): set\.severity: .*CRITICAL/,
    ],
    [
      'retryable as text',
      [rule({ code: 'x' }, { retryable: 'no' }, 'rt')],
      /^rules\[0\] \(rt\): set\.retryable: expected true or false/,
    ],
    [
      'a reason that is not snake_case',
      [rule({ code: 'x' }, { reason: 'Wallet empty' }, 'why')],
      /^rules\[0\] \(why\): set\.reason: expected a reason in lower_snake_case/,
    ],
    [
      'no reason',
      [{ name: 'nr', match: { code: 'x' }, set: { category: 'unknown' } }],
      /^rules\[0\] \(nr\): set\.reason: /,
    ],
    [
      'no name',
      [{ match: { code: 'x' }, set: { category: 'unknown', reason: 'x' } }],
      /^rules\[0\] \(unnamed\): name: /,
    ],
    [
      'two rules of one name',
      [rule({ code: 'a' }, {}, 'twice'), rule({ code: 'b' }, {}, 'twice')],
      /^rules\[1\] \(twice\): name: "twice" names two rules/,
    ],
  ])('%s', (_name, rules, problem) => {
    const parsed = parseOperatorRules({ rules });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toEqual([expect.stringMatching(problem)]);
  });

  it.each([
    ['a list without `rules:`', [rule({ code: 'x' })], /^\(top level\): .*expected `rules:`/],
    ['rules that are not a list', { rules: 'none' }, /^rules: expected a list of rules/],
  ])('%s', (_name, file, problem) => {
    const parsed = parseOperatorRules(file);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]).toMatch(problem);
  });

  it('names every bad rule, not only the first', () => {
    const parsed = parseOperatorRules({
      rules: [
        rule({ code: 'x' }, { category: 'nope' }, 'a'),
        rule({ code: 'y' }),
        rule({ status: 0 }, {}, 'c'),
      ],
    });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.split(':')[0])).toEqual([
      'rules[0] (a)',
      'rules[2] (c)',
    ]);
  });

  it('an empty file is no rules', () => {
    expect(parseOperatorRules(null)).toEqual({ ok: true, rules: NO_OPERATOR_RULES });
    expect(rulesOf({ rules: [] }).names).toEqual([]);
  });
});

describe('a rule matches provider, status, code, type and message, case-insensitive, all it names', () => {
  const openai = { provider: 'openai' };
  it.each([
    ['message, any case', { message: 'WALLET .* IS EMPTY' }, WALLET, openai, true],
    ['message not said', { message: 'purse is empty' }, WALLET, openai, false],
    ['provider by name', { provider: '^acme$', message: 'wallet' }, WALLET, { provider: 'acme' }, true],
    ['provider of another call', { provider: '^acme$', message: 'wallet' }, WALLET, openai, false],
    [
      'provider as the gateway',
      { provider: 'acmegw' },
      WALLET,
      { provider: 'acme-eu', gateway: 'AcmeGW' },
      true,
    ],
    ['status', { status: 409 }, raw(409, { error: { message: 'busy' } }), openai, true],
    ['status, another', { status: 409 }, raw(410, { error: { message: 'busy' } }), openai, false],
    ['status list', { status: [402, 409] }, raw(409, 'busy'), openai, true],
    ['status class', { status: '4xx' }, raw(418, 'teapot'), openai, true],
    ['status class, another', { status: '4xx' }, raw(503, 'down'), openai, false],
    ['a status wanted, none said', { status: '5xx' }, WALLET, openai, false],
    [
      'code',
      { code: '^wallet_empty$' },
      raw(409, { error: { code: 'WALLET_EMPTY', message: 'x' } }),
      openai,
      true,
    ],
    [
      'code, another',
      { code: '^wallet_empty$' },
      raw(409, { error: { code: 'wallet_low', message: 'x' } }),
      openai,
      false,
    ],
    [
      'type field',
      { type: 'acme_error' },
      raw(400, { error: { type: 'acme_error', message: 'x' } }),
      openai,
      true,
    ],
    [
      'type as the thrown class',
      { type: '^ratelimiterror$' },
      OpenAI.APIError.generate(429, { error: { message: 'slow down' } }, undefined, new Headers()),
      openai,
      true,
    ],
    [
      'all conditions hold',
      { provider: 'openai', status: 409, message: 'busy' },
      raw(409, 'busy'),
      openai,
      true,
    ],
    [
      'one condition fails',
      { provider: 'openai', status: 409, message: 'idle' },
      raw(409, 'busy'),
      openai,
      false,
    ],
  ])('%s', (_name, match, input, ctx, matches) => {
    expect(decidingRule(rulesOf({ rules: [rule(match)] }), input, ctx)).toBe(matches ? 'operator:r' : null);
  });

  it('the first matching rule in file order decides', () => {
    const rules = rulesOf({
      rules: [
        rule({ status: 401 }, {}, 'a'),
        rule({ message: 'wallet' }, {}, 'b'),
        rule({ message: 'empty' }, {}, 'c'),
      ],
    });
    expect(decidingRule(rules, WALLET, { provider: 'x' })).toBe('operator:b');
  });

  it('hands the classifier only the rules for the call’s provider, the same list for the same provider', () => {
    const rules = rulesOf({
      rules: [rule({ provider: 'acme', code: 'x' }, {}, 'a'), rule({ code: 'y' }, {}, 'any')],
    });
    expect(rules.for({ provider: 'acme' }).map((r) => r.name)).toEqual(['operator:a', 'operator:any']);
    expect(rules.for({ provider: 'openai' }).map((r) => r.name)).toEqual(['operator:any']);
    expect(rules.for({ provider: 'acme' })).toBe(rules.for({ provider: 'acme' }));
  });
});

describe('operator rules apply before the built-ins', () => {
  const teach = rulesOf({
    rules: [
      rule({ message: 'wallet \\S+ is empty' }, { severity: 'HIGH' }, 'acme-wallet'),
      // Overrides a built-in: this gateway's 429 "quota" is a per-minute limit, not money.
      rule(
        { provider: 'acme', status: 429 },
        { category: 'rate_limit', reason: 'rpm_limit', retryable: true },
        'acme-429',
      ),
    ],
  });

  it('an error the built-ins call unknown is what the operator taught', () => {
    expect(classifyError(WALLET, { provider: 'acme' }).category).toBe('unknown');
    expect(classifyWithOperatorRules(WALLET, { provider: 'acme' }, teach)).toMatchObject({
      category: 'billing_quota',
      reason: 'wallet_empty',
      severity: 'HIGH',
      isRetryable: false,
      rule: 'operator:acme-wallet',
      recommendedActions: expect.arrayContaining(['Check your acme account balance']),
    });
  });

  it('a built-in verdict yields to a rule that matches', () => {
    const quota = raw(429, {
      error: { message: 'You exceeded your current quota', code: 'insufficient_quota' },
    });
    expect(classifyError(quota, { provider: 'acme' }).category).toBe('billing_quota');
    expect(classifyWithOperatorRules(quota, { provider: 'acme' }, teach)).toMatchObject({
      category: 'rate_limit',
      reason: 'rpm_limit',
      severity: 'HIGH',
      isRetryable: true,
    });
    expect(classifyWithOperatorRules(quota, { provider: 'openai' }, teach).category).toBe('billing_quota');
  });

  it('no rules classify as the built-ins do', () => {
    const c = raw(401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } });
    expect(classifyWithOperatorRules(c, { provider: 'openai' }, NO_OPERATOR_RULES)).toEqual(
      classifyError(c, { provider: 'openai' }),
    );
  });
});
