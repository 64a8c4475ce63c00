import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type Category, classifyError } from '../src/index.ts';

// Real SDK error objects, built by the SDKs' own factories from a status, body and headers.
const oai = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, body as object, undefined, new Headers(headers));
const ant = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message } },
    undefined,
    new Headers(headers),
  );
const raw = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});
const netErr = (code: string, message: string) => Object.assign(new Error(message), { code });
const fetchFailed = (code: string, message: string) =>
  new TypeError('fetch failed', { cause: netErr(code, message) });

type Case = [string, unknown, string, Category, string?];

function check(cases: Case[]) {
  it.each(cases)('%s', (_name, input, provider, category, reason) => {
    const c = classifyError(input, { provider });
    expect(c.category).toBe(category);
    if (reason) expect(c.reason).toBe(reason);
  });
}

describe('a 429 is billing when it is about money, a rate limit when it is about speed', () => {
  check([
    [
      'OpenAI insufficient_quota',
      oai(429, {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      }),
      'openai',
      'billing_quota',
      'insufficient_quota',
    ],
    [
      'OpenAI RPM limit',
      oai(429, {
        error: {
          message:
            'Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
      }),
      'openai',
      'rate_limit',
    ],
    [
      'Anthropic rate_limit_error',
      ant(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      'anthropic',
      'rate_limit',
    ],
    [
      'Gemini free-tier per-day quota',
      raw(429, {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message:
            'Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 50',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
            },
          ],
        },
      }),
      'gemini',
      'billing_quota',
    ],
    [
      'Gemini per-minute RESOURCE_EXHAUSTED',
      raw(429, {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'Resource has been exhausted (e.g. check quota).',
        },
      }),
      'gemini',
      'rate_limit',
    ],
    [
      'Azure quota with a day-long retry-after',
      oai(
        429,
        {
          error: {
            code: '429',
            message:
              'Requests to the ChatCompletions_Create Operation have exceeded the token rate limit of your current tier.',
          },
        },
        { 'retry-after': '86400' },
      ),
      'azure',
      'billing_quota',
      'quota_long_reset',
    ],
    [
      'Bedrock ThrottlingException',
      raw(
        429,
        { message: 'Too many requests, please wait before trying again.' },
        { 'x-amzn-errortype': 'ThrottlingException' },
      ),
      'bedrock',
      'rate_limit',
    ],
    [
      'a request larger than the TPM cap is a rate limit that retrying cannot fix',
      oai(429, {
        error: {
          message: 'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 45000.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      }),
      'openai',
      'rate_limit',
      'request_too_large_for_tpm',
    ],
    [
      'a 429 of type server_error is the provider overloaded',
      oai(429, {
        error: {
          message: 'That model is currently overloaded with other requests.',
          type: 'server_error',
          code: null,
        },
      }),
      'openai',
      'server_error',
    ],
  ]);
  it('a request larger than the TPM cap is not retryable', () => {
    expect(
      classifyError(
        oai(429, {
          error: {
            message: 'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 45000.',
            code: 'rate_limit_exceeded',
          },
        }),
        { provider: 'openai' },
      ).isRetryable,
    ).toBe(false);
  });
});

describe('billing hides behind 400, 402 and 403', () => {
  check([
    [
      'Anthropic low credit on a 400',
      ant(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API.'),
      'anthropic',
      'billing_quota',
      'credit_balance_too_low',
    ],
    [
      'OpenRouter 402',
      oai(402, {
        error: {
          message:
            'This request requires more credits, or fewer max_tokens. You requested up to 4096 tokens, but can only afford 1000.',
          code: 402,
        },
      }),
      'openrouter',
      'billing_quota',
    ],
    [
      'DeepSeek 402 Insufficient Balance',
      oai(402, {
        error: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' },
      }),
      'deepseek',
      'billing_quota',
    ],
    [
      'OpenAI billing_not_active on a 429',
      oai(429, {
        error: {
          message: 'Your account is not active, please check your billing details on our website.',
          type: 'billing_not_active',
          code: 'billing_not_active',
        },
      }),
      'openai',
      'billing_quota',
      'billing_not_active',
    ],
    [
      'LiteLLM budget exceeded',
      oai(400, {
        error: {
          message: 'Budget has been exceeded! Current cost: 10.2, Max budget: 10.0',
          type: 'budget_exceeded',
        },
      }),
      'litellm',
      'billing_quota',
    ],
    [
      'OpenRouter key limit on a 403',
      oai(403, {
        error: {
          message: 'Key limit exceeded. Manage it using https://openrouter.ai/settings/keys',
          code: 403,
        },
      }),
      'openrouter',
      'billing_quota',
    ],
  ]);
});

describe('a key problem is told from a model-access problem on 401, 403 and 404', () => {
  check([
    [
      'OpenAI invalid key',
      oai(401, {
        error: {
          message: 'Incorrect API key provided: sk-abc***xyz.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
      'openai',
      'authentication',
    ],
    [
      'Anthropic permission_error',
      ant(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
      'anthropic',
      'authentication',
    ],
    [
      'Gemini API_KEY_INVALID on a 400',
      raw(400, [
        {
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
            details: [{ reason: 'API_KEY_INVALID' }],
          },
        },
      ]),
      'gemini',
      'authentication',
    ],
    [
      'Gemini SERVICE_DISABLED',
      raw(403, {
        error: {
          code: 403,
          message: 'Generative Language API has not been used in project 123 before or it is disabled.',
          status: 'PERMISSION_DENIED',
          details: [{ reason: 'SERVICE_DISABLED' }],
        },
      }),
      'gemini',
      'authentication',
      'api_not_enabled',
    ],
    [
      'Bedrock UnrecognizedClientException',
      raw(403, {
        message: 'The security token included in the request is invalid.',
        __type: 'UnrecognizedClientException',
      }),
      'bedrock',
      'authentication',
    ],
    [
      'Bedrock model access on a 403 is the model',
      raw(403, {
        message: "You don't have access to the model with the specified model ID.",
        __type: 'AccessDeniedException',
      }),
      'bedrock',
      'model_error',
      'model_access_denied',
    ],
    [
      'OpenAI model_not_found on a 404',
      oai(404, {
        error: {
          message: 'The model `gpt-5-turbo` does not exist or you do not have access to it.',
          type: 'invalid_request_error',
          code: 'model_not_found',
        },
      }),
      'openai',
      'model_error',
    ],
    [
      'Azure DeploymentNotFound',
      oai(404, {
        error: {
          code: 'DeploymentNotFound',
          message: 'The API deployment for this resource does not exist.',
        },
      }),
      'azure',
      'model_error',
      'model_not_deployed',
    ],
    [
      'Groq decommissioned model',
      oai(400, {
        error: {
          message: 'The model `mixtral-8x7b-32768` has been decommissioned and is no longer supported.',
          type: 'invalid_request_error',
          code: 'model_decommissioned',
        },
      }),
      'groq',
      'model_error',
      'model_decommissioned',
    ],
    [
      'vLLM unknown model: the SDK drops a body without `error`',
      oai(404, {
        object: 'error',
        message: 'The model `x` does not exist.',
        type: 'NotFoundError',
        code: 404,
      }),
      'vllm',
      'model_error',
    ],
    [
      'a wrong path on a 404 is the request',
      oai(404, {
        error: { message: 'Invalid URL (POST /v1/chat/completion)', type: 'invalid_request_error' },
      }),
      'openai',
      'invalid_request',
      'invalid_url',
    ],
    ['Cohere 401', raw(401, { message: 'invalid api token' }), 'cohere', 'authentication'],
    [
      'a missing key raised before any request',
      new Error('missing API key: GROQ_API_KEY is not set'),
      'groq',
      'authentication',
      'missing_api_key',
    ],
  ]);
});

describe('server, network and request errors', () => {
  check([
    [
      'Anthropic 529 overloaded',
      ant(529, 'overloaded_error', 'Overloaded'),
      'anthropic',
      'server_error',
      'overloaded',
    ],
    [
      'Cloudflare 502 HTML page',
      oai(502, '<html><head><title>502 Bad Gateway</title></head></html>'),
      'openai',
      'server_error',
    ],
    [
      'Gemini 503 UNAVAILABLE',
      raw(503, {
        error: {
          code: 503,
          message: 'The model is overloaded. Please try again later.',
          status: 'UNAVAILABLE',
        },
      }),
      'gemini',
      'server_error',
    ],
    [
      'connection refused through fetch',
      fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      'openai',
      'network_error',
      'connection_refused',
    ],
    [
      'SDK connection error wrapping a reset',
      new OpenAI.APIConnectionError({ cause: fetchFailed('ECONNRESET', 'read ECONNRESET') }),
      'openai',
      'network_error',
      'connection_reset',
    ],
    ['SDK timeout', new OpenAI.APIConnectionTimeoutError(), 'openai', 'network_error', 'timeout'],
    [
      'undici connect timeout',
      fetchFailed('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'),
      'openai',
      'network_error',
      'timeout',
    ],
    [
      'DNS failure',
      fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND api.example.invalid'),
      'openai',
      'network_error',
      'dns_failure',
    ],
    ['socket hang up string', 'Error: socket hang up', 'openai', 'network_error'],
    [
      'context too long',
      oai(400, {
        error: {
          message: "This model's maximum context length is 8192 tokens.",
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        },
      }),
      'openai',
      'invalid_request',
      'context_length_exceeded',
    ],
    [
      'content filter',
      oai(400, {
        error: {
          message: 'The response was filtered due to the prompt triggering content management policy.',
          code: 'content_filter',
        },
      }),
      'azure',
      'invalid_request',
      'content_filter',
    ],
    [
      'Bedrock ValidationException',
      raw(400, {
        message: 'Malformed input request: #: extraneous key [foo] is not permitted',
        __type: 'ValidationException',
      }),
      'bedrock',
      'invalid_request',
    ],
    ['a user abort', new OpenAI.APIUserAbortError(), 'openai', 'unknown', 'aborted'],
    ['an opaque 400', ant(400, 'invalid_request_error', 'Error'), 'anthropic', 'unknown'],
    [
      'a gateway label follows the upstream body in metadata.raw',
      oai(400, {
        error: {
          message: 'Provider returned error',
          code: 400,
          metadata: {
            raw: JSON.stringify({
              error: { message: 'Rate limit exceeded: free-models-per-day', code: 429 },
            }),
          },
        },
      }),
      'openrouter',
      'rate_limit',
    ],
    [
      'mid-stream Anthropic overloaded (no status)',
      new Anthropic.APIError(
        undefined,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        undefined,
        new Headers(),
      ),
      'anthropic',
      'server_error',
    ],
    [
      'a message that embeds status and body',
      new Error('Error: 429 {"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}'),
      'openai',
      'rate_limit',
    ],
  ]);
});

describe('retry-after is honoured', () => {
  const now = Date.parse('2025-11-17T10:30:00Z');
  it.each([
    ['retry-after seconds', { 'retry-after': '20' }, 20_000],
    ['retry-after HTTP date', { 'retry-after': 'Mon, 17 Nov 2025 10:30:30 GMT' }, 30_000],
    ['retry-after-ms wins', { 'retry-after-ms': '1500', 'retry-after': '2' }, 1500],
    [
      'x-ratelimit-reset-* durations (the longer one)',
      { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' },
      360_000,
    ],
    ['x-ratelimit-reset in ms', { 'x-ratelimit-reset-requests': '20ms' }, 20],
    ['anthropic-ratelimit-*-reset', { 'anthropic-ratelimit-tokens-reset': '2025-11-17T10:30:05Z' }, 5_000],
  ])('%s', (_name, headers, expected) => {
    const c = classifyError(
      oai(429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, headers),
      { provider: 'openai' },
      { now },
    );
    expect(c.retryAfterMs).toBe(expected);
  });
  it('reads "try again in" from the text when no header says', () => {
    const c = classifyError(
      oai(429, {
        error: {
          message: 'Rate limit reached for model on tokens per minute (TPM). Please try again in 6.78s.',
        },
      }),
      { provider: 'groq' },
    );
    expect(c.retryAfterMs).toBe(6780);
  });
});

describe('every returned string is redacted', () => {
  it.each([
    [
      'an OpenAI key in the message',
      oai(401, {
        error: {
          message: 'Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345.',
          code: 'invalid_api_key',
        },
      }),
      'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    ],
    [
      'a Gemini key in a URL',
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
      'an Anthropic key',
      ant(401, 'authentication_error', 'invalid x-api-key sk-ant-api03-abcdefghijklmnopqrstuvwxyz'),
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
    ],
  ])('%s', (_name, input, secret) => {
    const c = classifyError(input, { provider: 'p', model: 'm', gateway: null });
    expect(JSON.stringify(c)).not.toContain(secret);
  });
});

describe('it never throws, whatever it is given', () => {
  const circular: Record<string, unknown> = { message: 'loop' };
  circular.cause = circular;
  const throwingGetter = Object.defineProperty({}, 'message', {
    get: () => {
      throw new Error('boom');
    },
    enumerable: true,
  });
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error('trap');
      },
      has: () => {
        throw new Error('trap');
      },
      ownKeys: () => {
        throw new Error('trap');
      },
    },
  );
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a symbol', Symbol('x')],
    ['an empty object', {}],
    ['a circular cause chain', circular],
    ['a throwing getter', throwingGetter],
    ['a hostile Proxy', hostile],
    ['a huge string', 'x'.repeat(2_000_000)],
    ['an array of junk', [1, null, { error: [{}] }]],
  ])('%s', (_name, input) => {
    const c = classifyError(input, { provider: 'openai' });
    expect(c.provider).toBe('openai');
    expect(c.recommendedActions.length).toBeGreaterThan(0);
    expect(c.message.length).toBeLessThanOrEqual(500);
  });
});
