import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/classify/rules/index.ts';
import {
  CONFIDENCES,
  type Confidence,
  classifyError,
  explainClassification,
  FALLBACK_RULE,
  type Rule,
} from '../src/index.ts';

/** Issue 15, requirement 3: every verdict names the rule that decided it and how sure it is. */

const oai = (status: number, body: unknown) =>
  OpenAI.APIError.generate(status, body as object, undefined, new Headers());
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('every classification names its rule and a confidence', () => {
  it.each([
    [
      'a documented billing code',
      oai(429, { error: { message: 'You exceeded your current quota.', code: 'insufficient_quota' } }),
      'billing',
      'documented_code',
    ],
    [
      'billing said only in words',
      new Error('Your credit balance is too low to access the API.'),
      'billing',
      'text_pattern',
    ],
    ['a bare 402', { status: 402, headers: {}, body: '' }, 'billing', 'status_only'],
    [
      'a bad key in words',
      oai(400, { error: { message: 'Incorrect API key provided: sk-abc.' } }),
      'credential',
      'text_pattern',
    ],
    ['a bare 401', { status: 401, headers: {}, body: '' }, 'unauthorized', 'status_only'],
    ['a bare 403', { status: 403, headers: {}, body: '' }, 'permission', 'status_only'],
    [
      'an Anthropic 529',
      Anthropic.APIError.generate(
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        undefined,
        new Headers(),
      ),
      'catalogue',
      'documented_code',
    ],
    ['a bare 503', { status: 503, headers: {}, body: '' }, 'server', 'status_only'],
    ['a bare 429', { status: 429, headers: {}, body: '' }, 'rate-limit', 'status_only'],
    [
      'a rate limit code',
      oai(429, { error: { message: 'Slow down.', code: 'rate_limit_exceeded' } }),
      'rate-limit',
      'documented_code',
    ],
    ['a Node socket code', nodeError('ECONNRESET', 'read ECONNRESET'), 'network', 'documented_code'],
    ['a network failure in words', new Error('socket hang up'), 'network', 'text_pattern'],
    [
      'an opaque 400',
      { status: 400, headers: {}, body: { error: { message: 'Provider returned error' } } },
      'invalid-request',
      'fallback',
    ],
    ['nothing to go on', new Error('Something odd'), FALLBACK_RULE, 'fallback'],
  ])('%s', (_name, input, rule, confidence) => {
    const c = classifyError(input, { provider: 'p' });
    expect({ rule: c.rule, confidence: c.confidence }).toEqual({ rule, confidence });
  });

  it('every built-in rule declares its confidence, and has a name of its own', () => {
    for (const rule of RULES) expect(CONFIDENCES, rule.name).toContain(rule.confidence ?? 'none');
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
  });

  it('an unreadable error still says so', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap });
    expect(classifyError(hostile, { provider: 'p' })).toMatchObject({
      rule: 'unreadable',
      confidence: 'fallback',
    });
  });
});

describe("rules from outside (an operator's) run before the built-ins", () => {
  const wallet: Rule = {
    name: 'operator:acme-wallet',
    match: (s) =>
      /wallet is empty/.test(s.text) ? { category: 'billing_quota', reason: 'insufficient_quota' } : null,
  };
  const ctx = { provider: 'acme' };

  it('decide first, and name themselves', () => {
    const c = classifyError(new Error('500 Internal error: wallet is empty'), ctx, { rules: [wallet] });
    expect(c).toMatchObject({
      category: 'billing_quota',
      rule: 'operator:acme-wallet',
      confidence: 'text_pattern',
    });
  });

  it('leave the built-ins to decide what they do not match', () => {
    const c = classifyError(new Error('500 Internal error'), ctx, { rules: [wallet] });
    expect(c).toMatchObject({ category: 'server_error', rule: 'server' });
  });

  it.each<[string, Confidence | undefined, Confidence | undefined, Confidence]>([
    ['no confidence anywhere', undefined, undefined, 'text_pattern'],
    ["the rule's own", 'status_only', undefined, 'status_only'],
    ["the verdict's, over the rule's", 'status_only', 'documented_code', 'documented_code'],
  ])('confidence: %s', (_name, ruleConfidence, verdictConfidence, expected) => {
    const rule: Rule = {
      name: 'operator:x',
      ...(ruleConfidence ? { confidence: ruleConfidence } : {}),
      match: () => ({
        category: 'rate_limit',
        reason: 'rate_limited',
        ...(verdictConfidence ? { confidence: verdictConfidence } : {}),
      }),
    };
    expect(classifyError(new Error('x'), ctx, { rules: [rule] }).confidence).toBe(expected);
  });

  it('one that throws, or answers no category, is passed over', () => {
    const throwing: Rule = {
      name: 'operator:broken',
      match: () => {
        throw new Error('bad regex');
      },
    };
    const nonsense = { name: 'operator:nonsense', match: () => ({ category: 'nope' }) } as unknown as Rule;
    const c = classifyError(new Error('socket hang up'), ctx, { rules: [throwing, nonsense] });
    expect(c).toMatchObject({ category: 'network_error', rule: 'network' });
  });
});

describe('explainClassification shows what was read', () => {
  it('the signals, the unwrapped text and the layers peeled', () => {
    const { classified, signals, retryAfterMs } = explainClassification(
      new Error(
        `litellm.RateLimitError: RateLimitError: OpenAIException - Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o on tokens per min (TPM). Please try again in 2s.', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}`,
      ),
      { provider: 'openai' },
    );
    expect(classified).toMatchObject({
      category: 'rate_limit',
      rule: 'rate-limit',
      confidence: 'documented_code',
    });
    expect(signals.status).toBe(429);
    expect([...signals.codes]).toEqual(expect.arrayContaining(['rate_limit_exceeded', 'tokens']));
    expect(signals.layers).toEqual([
      'litellm.RateLimitError',
      'RateLimitError',
      'OpenAIException',
      'status 429',
      'python-repr',
    ]);
    expect(signals.unwrapped).toBe(
      'Rate limit reached for gpt-4o on tokens per min (TPM). Please try again in 2s.',
    );
    expect(retryAfterMs).toBe(2000);
  });
});
