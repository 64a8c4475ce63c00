/** Classifications per second on a realistic mix of inputs. Run: node --import tsx bench/classify.ts [seconds] */
import Anthropic from '@anthropic-ai/sdk';
import { classifyError } from '@faultline/core';
import OpenAI from 'openai';

const seconds = Number(process.argv[2] ?? 3);
const inputs: [unknown, string][] = [
  [
    OpenAI.APIError.generate(
      429,
      {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
      undefined,
      new Headers({ 'x-request-id': 'req_1' }),
    ),
    'openai',
  ],
  [
    OpenAI.APIError.generate(
      429,
      {
        error: {
          message:
            'Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.',
          code: 'rate_limit_exceeded',
        },
      },
      undefined,
      new Headers({ 'retry-after-ms': '2000' }),
    ),
    'openai',
  ],
  [
    Anthropic.APIError.generate(
      529,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      new Headers(),
    ),
    'anthropic',
  ],
  [
    Anthropic.APIError.generate(
      400,
      {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 219898 tokens > 200000 maximum',
        },
      },
      undefined,
      new Headers(),
    ),
    'anthropic',
  ],
  [
    {
      status: 403,
      headers: {},
      body: {
        error: {
          code: 403,
          message: 'Permission denied on resource project x.',
          status: 'PERMISSION_DENIED',
        },
      },
    },
    'gemini',
  ],
  [
    new OpenAI.APIConnectionError({
      cause: new TypeError('fetch failed', {
        cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      }),
    }),
    'openai',
  ],
  ['Error: 404 The model `o3-mini` does not exist or you do not have access to it.', 'openai'],
  [
    OpenAI.APIError.generate(
      402,
      { error: { message: 'This request requires more credits, or fewer max_tokens.', code: 402 } },
      undefined,
      new Headers(),
    ),
    'openrouter',
  ],
];

let n = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
while (performance.now() < deadline) {
  for (const [input, provider] of inputs) classifyError(input, { provider, model: 'm' });
  n += inputs.length;
}
const elapsed = (performance.now() - started) / 1000;
console.log(`classify bench: ${inputs.length} realistic inputs, ${seconds} s`);
console.log(
  `  ${Math.round(n / elapsed).toLocaleString('en-US')} classifications/s (${((elapsed * 1e6) / n).toFixed(2)} µs each)`,
);
