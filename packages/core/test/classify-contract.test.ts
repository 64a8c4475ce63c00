import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type ClassifiedError, classifyError, REASONS, TAXONOMY } from '../src/index.ts';

const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345';

describe('every ClassifiedError field is filled from what the provider said', () => {
  it('an OpenAI SDK error', () => {
    const err = OpenAI.APIError.generate(
      429,
      {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
      undefined,
      new Headers({ 'x-request-id': 'req_c8a9aa98', 'retry-after': '20' }),
    );
    expect(
      classifyError(err, { provider: 'openrouter', model: 'openai/gpt-4o', gateway: 'openrouter' }),
    ).toEqual({
      category: 'billing_quota',
      severity: 'CRITICAL',
      isRetryable: false,
      provider: 'openrouter',
      model: 'openai/gpt-4o',
      gateway: 'openrouter',
      statusCode: 429,
      providerCode: 'insufficient_quota',
      reason: 'insufficient_quota',
      retryAfterMs: 20_000,
      requestId: 'req_c8a9aa98',
      originalError: 'RateLimitError',
      message: 'You exceeded your current quota, please check your plan and billing details.',
      recommendedActions: TAXONOMY.billing_quota.actions('openrouter'),
      rule: 'billing',
      confidence: 'documented_code',
    } satisfies ClassifiedError);
  });

  it.each([
    [
      'Anthropic type and request-id',
      Anthropic.APIError.generate(
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        undefined,
        new Headers({ 'request-id': 'req_011Cabc' }),
      ),
      {
        providerCode: 'overloaded_error',
        requestId: 'req_011Cabc',
        originalError: 'OverloadedError',
        statusCode: 529,
      },
    ],
    [
      'Gemini google.rpc status',
      {
        status: 429,
        headers: {},
        body: [
          { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted' } },
        ],
      },
      { providerCode: 'RESOURCE_EXHAUSTED', originalError: 'HttpResponse', statusCode: 429 },
    ],
    [
      'Bedrock exception header and request id',
      {
        status: 429,
        headers: {
          'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
          'x-amzn-requestid': '4d6a2b1c-1111',
        },
        body: { message: 'Too many requests, please wait before trying again.' },
      },
      { providerCode: 'ThrottlingException', requestId: '4d6a2b1c-1111', statusCode: 429 },
    ],
    [
      'a Node network error',
      new OpenAI.APIConnectionError({
        cause: new TypeError('fetch failed', {
          cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        }),
      }),
      { originalError: 'APIConnectionError', statusCode: null, message: 'Connection error.' },
    ],
    [
      'a bare Node error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), { code: 'ECONNREFUSED' }),
      { originalError: 'ECONNREFUSED', reason: 'connection_refused' },
    ],
    [
      'an abort',
      new DOMException('This operation was aborted', 'AbortError'),
      { originalError: 'AbortError' },
    ],
    [
      'an HTML page becomes readable text',
      {
        status: 502,
        headers: {},
        body: '<html><head><title>502 Bad Gateway</title></head><body></body></html>',
      },
      { message: '502 Bad Gateway' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(classifyError(input, { provider: 'p' })).toMatchObject(expected);
  });

  it('reasons and categories are the shared unions', () => {
    const c = classifyError(new Error('fetch failed'), { provider: 'p' });
    expect(CATEGORIES).toContain(c.category);
    expect(REASONS).toContain(c.reason);
  });

  it('bounds the message', () => {
    const c = classifyError(new Error(`Internal error: ${'x'.repeat(100_000)}`), { provider: 'p' });
    expect(c.message.length).toBeLessThanOrEqual(500);
  });
});

describe('every returned string is redacted', () => {
  it.each([
    [
      'an OpenAI key quoted back in the message',
      OpenAI.APIError.generate(
        401,
        { error: { message: `Incorrect API key provided: ${KEY}.`, code: 'invalid_api_key' } },
        undefined,
        new Headers(),
      ),
      KEY,
    ],
    [
      'a Gemini key in a URL of a network error',
      new Error(
        'request to https://generativelanguage.googleapis.com/v1/models?key=AIzaSyA1234567890abcdefghijklmnopqrstuv failed, reason: connect ETIMEDOUT',
      ),
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    ],
    [
      'a bearer token',
      new Error(
        '401 Unauthorized: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop',
      ),
      'eyJhbGciOiJIUzI1NiJ9',
    ],
    [
      'an Anthropic key in a mid-stream error',
      new Anthropic.APIError(
        undefined,
        {
          type: 'error',
          error: {
            type: 'authentication_error',
            message: 'invalid x-api-key sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
          },
        },
        undefined,
        undefined,
      ),
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
    ],
    [
      'a key in the code, the request id and the class name',
      Object.assign(new Error('boom'), {
        name: KEY,
        code: KEY,
        requestID: KEY,
      }),
      KEY,
    ],
    ['a key in the context', new Error('boom'), 'gsk_abcdefghijklmnopqrstuvwxyz012345'],
    [
      'an AWS access key id',
      new Error('The security token AKIAIOSFODNN7EXAMPLE is invalid'),
      'AKIAIOSFODNN7EXAMPLE',
    ],
    ['a proxy password', new Error('connect ECONNREFUSED http://user:hunter2pass@proxy:8080'), 'hunter2pass'],
  ])('%s', (_name, input, secret) => {
    const c = classifyError(input, {
      provider: 'p',
      model: 'gsk_abcdefghijklmnopqrstuvwxyz012345',
      gateway: null,
    });
    expect(JSON.stringify(c)).not.toContain(secret);
  });
});

describe('it never throws, whatever it is given', () => {
  const circular: Record<string, unknown> = { message: 'loop' };
  circular.cause = circular;
  const circularBody: Record<string, unknown> = { message: 'loop' };
  circularBody.error = circularBody;
  const throwingGetter = Object.defineProperty(new Error('x'), 'status', {
    get: () => {
      throw new Error('boom');
    },
  });
  const trap = () => {
    throw new Error('trap');
  };
  const hostile = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap });
  const weirdHeaders = { status: 429, headers: { forEach: trap, get: trap }, body: { message: 'x' } };
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['NaN', Number.NaN],
    ['a bigint', 10n],
    ['a symbol', Symbol('x')],
    ['a function', () => 1],
    ['an empty object', {}],
    ['an empty string', ''],
    ['a circular cause chain', circular],
    ['a circular body', { status: 500, headers: {}, body: circularBody }],
    ['a throwing getter', throwingGetter],
    ['a hostile Proxy', hostile],
    ['headers that throw', weirdHeaders],
    ['a huge string', `Error: 500 ${'{"a":'.repeat(100_000)}`],
    [
      'a deep cause chain',
      Array.from({ length: 10_000 }).reduce<unknown>((cause) => ({ cause }), new Error('x')),
    ],
    ['an array of junk', [1, null, { error: [{}] }]],
    ['a raw response with a non-number status', { status: '429', body: null }],
    ['a frozen object', Object.freeze({ message: 'x', code: 'ECONNRESET' })],
  ])('%s', (_name, input) => {
    const c = classifyError(input, { provider: 'openai' });
    expect(c.provider).toBe('openai');
    expect(c.recommendedActions.length).toBeGreaterThan(0);
    expect(c.message.length).toBeLessThanOrEqual(500);
  });

  it.each([
    ['a hostile context', hostile],
    ['a null context', null],
    ['a context with a number provider', { provider: 42 }],
  ])('%s', (_name, ctx) => {
    const c = classifyError(new Error('x'), ctx as never);
    expect(c.provider).toBe('unknown');
  });

  it('a hostile options object', () => {
    expect(() => classifyError(new Error('x'), { provider: 'p' }, hostile as never)).not.toThrow();
  });
});
