/**
 * Classifications per second on a realistic mix: errors built by the real SDKs' own factories, raw
 * `{ status, headers, body }` responses, Node/undici network errors with cause chains, and re-thrown text.
 * Run: node --conditions=development --import tsx bench/classify.ts [seconds]
 */
import Anthropic from '@anthropic-ai/sdk';
import { classifyError } from '@faultline/core';
import OpenAI from 'openai';

const seconds = Number(process.argv[2] ?? 3);

const oai = (status: number, body: object, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, body, undefined, new Headers(headers));
const ant = (status: number, type: string, message: string) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message }, request_id: 'req_011CabcDEF' },
    undefined,
    new Headers({ 'request-id': 'req_011CabcDEF' }),
  );
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });

const inputs: [string, unknown][] = [
  [
    'openai',
    oai(
      429,
      {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
      { 'x-request-id': 'req_c8a9aa98' },
    ),
  ],
  [
    'openai',
    oai(
      429,
      {
        error: {
          message:
            'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      },
      { 'x-ratelimit-reset-tokens': '2s', 'x-ratelimit-reset-requests': '120ms' },
    ),
  ],
  [
    'openai',
    oai(401, {
      error: {
        message:
          'Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWx. You can find your API key at …',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    }),
  ],
  [
    'openai',
    oai(400, {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 202868 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    }),
  ],
  ['anthropic', ant(529, 'overloaded_error', 'Overloaded')],
  [
    'anthropic',
    ant(
      400,
      'invalid_request_error',
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
    ),
  ],
  [
    'openrouter',
    oai(400, {
      error: {
        message: 'Provider returned error',
        code: 400,
        metadata: {
          raw: '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tokens > 200000 maximum"}}',
          provider_name: 'Anthropic',
        },
      },
    }),
  ],
  [
    'gemini',
    {
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: [
        {
          error: {
            code: 429,
            message: 'Resource has been exhausted (e.g. check quota).',
            status: 'RESOURCE_EXHAUSTED',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '38s' }],
          },
        },
      ],
    },
  ],
  [
    'gemini',
    {
      status: 400,
      headers: {},
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      },
    },
  ],
  [
    'bedrock',
    {
      status: 429,
      headers: {
        'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      },
      body: { message: 'Too many requests, please wait before trying again.' },
    },
  ],
  ['openai', { status: 502, headers: {}, body: '<html><head><title>502 Bad Gateway</title></head></html>' }],
  [
    'openai',
    new OpenAI.APIConnectionError({
      cause: new TypeError('fetch failed', { cause: nodeError('ECONNRESET', 'read ECONNRESET') }),
    }),
  ],
  ['anthropic', new Anthropic.APIConnectionTimeoutError()],
  [
    'ollama',
    new TypeError('fetch failed', {
      cause: new AggregateError([
        nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:11434'),
        nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:11434'),
      ]),
    }),
  ],
  ['openai', 'Error: 404 The model `o3-mini` does not exist or you do not have access to it.'],
  [
    'openai',
    new Error(
      'openai.error.RateLimitError: Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s.',
    ),
  ],
];

let n = 0;
const cpu0 = process.cpuUsage();
const started = performance.now();
const deadline = started + seconds * 1000;
while (performance.now() < deadline) {
  for (const [provider, input] of inputs) classifyError(input, { provider, model: 'm' });
  n += inputs.length;
}
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const perSecond = (count: number, s: number) => Math.round(count / s).toLocaleString('en-US');
console.log(
  `classify bench: ${inputs.length} realistic inputs, ${seconds} s, ${n.toLocaleString('en-US')} calls`,
);
console.log(
  `  ${perSecond(n, elapsed)} classifications/s (${((elapsed * 1e6) / n).toFixed(2)} µs each, wall clock)`,
);
// On a shared machine the wall clock includes time other processes held the CPU; this does not.
console.log(
  `  ${perSecond(n, cpuSeconds)} classifications per CPU second (${((cpuSeconds * 1e6) / n).toFixed(2)} µs CPU each)`,
);
