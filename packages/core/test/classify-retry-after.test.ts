import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError, retryAfterMs } from '../src/index.ts';

const now = Date.parse('2025-11-17T10:30:00Z');
const rateLimited = (headers: Record<string, string>, message = 'Rate limit reached for requests') =>
  OpenAI.APIError.generate(
    429,
    { error: { message, type: 'requests', code: 'rate_limit_exceeded' } },
    undefined,
    new Headers(headers),
  );

describe('retry-after headers are honoured', () => {
  it.each([
    ['retry-after in seconds', { 'retry-after': '20' }, 20_000],
    ['retry-after as an HTTP date', { 'retry-after': 'Mon, 17 Nov 2025 10:30:30 GMT' }, 30_000],
    ['retry-after in the past', { 'retry-after': 'Mon, 17 Nov 2025 10:29:00 GMT' }, 0],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '1500', 'retry-after': '2' }, 1500],
    [
      'x-ratelimit-reset-* durations: the longer one',
      { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' },
      360_000,
    ],
    ['x-ratelimit-reset in ms', { 'x-ratelimit-reset-requests': '20ms' }, 20],
    ['x-ratelimit-reset with fractions', { 'x-ratelimit-reset-tokens': '1m30.5s' }, 90_500],
    [
      'anthropic-ratelimit-*-reset RFC 3339',
      { 'anthropic-ratelimit-input-tokens-reset': '2025-11-17T10:30:05Z' },
      5_000,
    ],
    [
      'the latest anthropic reset',
      {
        'anthropic-ratelimit-requests-reset': '2025-11-17T10:30:01Z',
        'anthropic-ratelimit-tokens-reset': '2025-11-17T10:30:09Z',
      },
      9_000,
    ],
    ['garbage is ignored', { 'retry-after': 'soon' }, null],
  ])('%s', (_name, headers, expected) => {
    const c = classifyError(rateLimited(headers), { provider: 'openai' }, { now });
    expect(c.retryAfterMs).toBe(expected);
  });

  it.each([
    [
      'a plain-object header map on a raw response',
      { status: 429, headers: { 'Retry-After': '7' }, body: {} },
      7_000,
    ],
    [
      'Google RetryInfo in the body',
      {
        status: 429,
        headers: {},
        body: {
          error: {
            code: 429,
            status: 'RESOURCE_EXHAUSTED',
            message: 'Resource has been exhausted',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '38s' }],
          },
        },
      },
      38_000,
    ],
  ])('%s', (_name, input, expected) => {
    expect(classifyError(input, { provider: 'gemini' }, { now }).retryAfterMs).toBe(expected);
  });
});

describe('a wait named only in the text is read', () => {
  it.each([
    ['Groq "try again in 6.78s"', 'Please try again in 6.780999999s. Visit https://console.groq.com', 6_781],
    ['Groq "try again in 9m38.016s"', 'on tokens per day (TPD). Please try again in 9m38.016s.', 578_016],
    ['OpenAI "try again in 120ms"', 'on requests per min (RPM). Please try again in 120ms.', 120],
    ['Azure "retry after 2 seconds"', 'exceeded call rate limit. Please retry after 2 seconds.', 2_000],
    ['Gemini "Please retry in 32.5s"', 'Quota exceeded for metric. Please retry in 32.5s.', 32_500],
    ['LiteLLM "Try again in 60 seconds"', 'No deployments available, Try again in 60 seconds.', 60_000],
  ])('%s', (_name, message, expected) => {
    expect(classifyError(rateLimited({}, message), { provider: 'p' }, { now }).retryAfterMs).toBe(expected);
  });
});

describe('OpenAI reset durations', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['6M0S', 360_000],
    ['20ms', 20],
    ['1h2m3s', 3_723_000],
    ['0.5s', 500],
    ['17', 17_000],
    ['', null],
    ['soon', null],
    ['1s junk', null],
  ])('%s', (value, expected) => {
    expect(retryAfterMs({ 'x-ratelimit-reset-requests': value }, '', now)).toBe(expected);
  });
});
