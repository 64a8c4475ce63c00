import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type Category, classifyError, type Reason } from '../src/index.ts';

// Errors in the shapes providers document and users report, none taken from shared/corpus: the hidden set
// is larger than the dev sample, so the rules must carry to wordings they were not written against.

/** What the `openai` SDK throws; it keeps a body only under an `error` key, as it does for a real response. */
const oai = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, body as object, undefined, new Headers(headers));
const ant = (status: number, type: string, message: string) =>
  Anthropic.APIError.generate(status, { type: 'error', error: { type, message } }, undefined, new Headers());
/** What a fetch-based client (Gemini, Vertex, Bedrock, Cohere, a vLLM or FastAPI server) holds. */
const raw = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});
const openaiBody = (message: string, type: string | null, code: string | null = null) => ({
  error: { message, type, param: null, code },
});
const google = (code: number, status: string, message: string, details?: unknown[]) => ({
  error: { code, status, message, ...(details ? { details } : {}) },
});
const amzn = (exception: string) => ({
  'x-amzn-errortype': `${exception}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
});
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });
const viaFetch = (cause: Error) =>
  new OpenAI.APIConnectionError({ cause: new TypeError('fetch failed', { cause }) });

/** [case, input, provider, category, reason?] */
type Case = [string, unknown, string, Category, Reason?];

function classifies(cases: Case[]) {
  it.each(cases)('%s', (_name, input, provider, category, reason) => {
    const c = classifyError(input, { provider });
    expect({ category: c.category, reason: c.reason }).toMatchObject({
      category,
      ...(reason ? { reason } : {}),
    });
  });
}

describe('a model that is not available, not supported or not found on this surface is a model error', () => {
  classifies([
    [
      'Together: a validation error naming no model id',
      oai(400, openaiBody('The requested model is not available.', 'invalid_request_error')),
      'together',
      'model_error',
      'model_not_supported',
    ],
    [
      'OpenRouter: "Model not available"',
      oai(400, { error: { message: 'Model not available', code: 400 } }),
      'openrouter',
      'model_error',
    ],
    [
      'DeepSeek: "Model not supported"',
      oai(400, openaiBody('Model not supported', 'invalid_request_error')),
      'deepseek',
      'model_error',
    ],
    [
      'FastAPI 422 on the model field (read with fetch)',
      raw(422, {
        detail: [
          {
            type: 'value_error',
            loc: ['body', 'model'],
            msg: 'Value error, model is not supported',
            input: 'x',
          },
        ],
      }),
      'vllm',
      'model_error',
    ],
    [
      'pydantic "Model not found" quoted in a 400',
      raw(400, {
        object: 'error',
        message: "[{'type': 'value_error', 'loc': ('body', 'model'), 'msg': 'Value error, Model not found'}]",
        type: 'BadRequestError',
        code: 400,
      }),
      'vllm',
      'model_error',
      'model_not_found',
    ],
    [
      'Groq: a speech model asked for chat completions',
      oai(
        400,
        openaiBody(
          'The model `whisper-large-v3-turbo` does not support chat completions',
          'invalid_request_error',
        ),
      ),
      'groq',
      'model_error',
      'model_not_supported',
    ],
    [
      'Ollama: an embedding model asked to chat',
      oai(400, { error: { message: '"nomic-embed-text" does not support chat', type: 'api_error' } }),
      'ollama',
      'model_error',
    ],
    [
      'Cohere: a removed model',
      raw(404, {
        message:
          "model 'command-r-03-2024' was removed on September 15, 2025. See https://docs.cohere.com/docs/models for a list of models you can use instead.",
      }),
      'cohere',
      'model_error',
      'model_decommissioned',
    ],
    [
      'Groq: a model blocked at the project level',
      oai(
        403,
        openaiBody(
          'The model `openai/gpt-oss-120b` is blocked at the project level. Please have a project admin enable this model in the project settings.',
          'invalid_request_error',
          'model_permission_blocked_project',
        ),
      ),
      'groq',
      'model_error',
      'model_access_denied',
    ],
    [
      'OpenAI: an organisation that must be verified to stream the model',
      oai(
        400,
        openaiBody(
          'Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.',
          'invalid_request_error',
          'unsupported_value',
        ),
      ),
      'openai',
      'model_error',
      'model_access_denied',
    ],
    [
      // Rule 2 before rule 3: a 401 is the credential's, even when the key is refused one model.
      'LiteLLM proxy: a 401 for a key limited to other models',
      oai(401, {
        error: {
          message:
            "key not allowed to access model. This key can only access models=['gpt-4o']. Tried to access gpt-4.1",
          type: 'key_model_access_denied',
          param: 'model',
          code: '401',
        },
      }),
      'litellm',
      'authentication',
    ],
    [
      'Bedrock: an invalid model identifier',
      raw(400, { message: 'The provided model identifier is invalid.' }, amzn('ValidationException')),
      'bedrock',
      'model_error',
    ],
    [
      'Vertex: an unknown publisher model',
      raw(
        404,
        google(
          404,
          'NOT_FOUND',
          'Publisher Model `projects/p/locations/us-central1/publishers/google/models/gemini-9-pro` not found.',
        ),
      ),
      'vertex',
      'model_error',
    ],
    [
      'Azure: an operation the deployed model does not serve',
      oai(400, {
        error: {
          code: 'OperationNotSupported',
          message:
            'The embeddings operation does not work with the specified model, gpt-4o. Please choose different model and try again.',
        },
      }),
      'azure',
      'model_error',
    ],
  ]);
});

describe('what looks like a model problem but is the request or an outage stays so', () => {
  classifies([
    [
      'Ollama: a model without tool support is a bad request',
      oai(400, { error: { message: 'registry.ollama.ai/library/llama2:latest does not support tools' } }),
      'ollama',
      'invalid_request',
    ],
    [
      'OpenAI: streaming not supported with this model is a bad parameter',
      oai(
        400,
        openaiBody(
          'Streaming with this model is not supported',
          'invalid_request_error',
          'unsupported_value',
        ),
      ),
      'openai',
      'invalid_request',
    ],
    [
      'Mistral: function calling refused with the model is a bad request',
      oai(400, openaiBody('Function calling with the model is not supported', 'invalid_request_error')),
      'mistral',
      'invalid_request',
    ],
    [
      'a 503 saying the model is not available right now is an outage',
      oai(503, openaiBody('The model is not available right now, please try again later', 'server_error')),
      'together',
      'server_error',
    ],
    [
      'Hugging Face: a model still loading',
      raw(503, { error: 'Model mistralai/Mistral-7B-v0.1 is currently loading', estimated_time: 20 }),
      'huggingface',
      'server_error',
    ],
    [
      'Bedrock: a prompt too long for the model',
      raw(400, { message: 'Input is too long for requested model.' }, amzn('ValidationException')),
      'bedrock',
      'invalid_request',
      'context_length_exceeded',
    ],
  ]);
});

describe('billing and keys are found whatever the status and wrapping', () => {
  classifies([
    [
      'Fireworks 412: an account suspended for unpaid invoices',
      oai(412, {
        error: {
          object: 'error',
          type: 'invalid_request_error',
          message:
            'Account accounts/acme is suspended, possibly due to reaching the monthly spending limit or failure to pay past invoices.',
        },
      }),
      'fireworks',
      'billing_quota',
    ],
    [
      'Vertex 403: billing not enabled on the project',
      raw(
        403,
        google(403, 'PERMISSION_DENIED', 'This API method requires billing to be enabled.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'BILLING_DISABLED' },
        ]),
      ),
      'vertex',
      'billing_quota',
    ],
    [
      'LiteLLM proxy: a spent budget',
      oai(400, {
        error: {
          message: 'Budget has been exceeded! Current cost: 10.5, Max budget: 10.0',
          type: 'budget_exceeded',
          code: '400',
        },
      }),
      'litellm',
      'billing_quota',
    ],
    [
      'Gemini: an expired key on a 400',
      raw(
        400,
        google(400, 'INVALID_ARGUMENT', 'API key expired. Please renew the API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
        ]),
      ),
      'gemini',
      'authentication',
    ],
    [
      'Gemini: a key reported as leaked, re-thrown by the Python client',
      new Error(
        "403 PERMISSION_DENIED. {'error': {'code': 403, 'message': 'Your API key was reported as leaked. Please use another API key.', 'status': 'PERMISSION_DENIED'}}",
      ),
      'gemini',
      'authentication',
    ],
    [
      'Mistral SDK: a 401 quoted in its message',
      new Error('API error occurred: Status 401. Body: {"detail":"Unauthorized"}'),
      'mistral',
      'authentication',
    ],
    [
      'Fireworks: an invalid key',
      oai(401, { error: { type: 'invalid_request_error', message: 'The API key you provided is invalid.' } }),
      'fireworks',
      'authentication',
    ],
    [
      'an nginx 401 page',
      raw(401, '<html><head><title>401 Authorization Required</title></head><body>openresty</body></html>'),
      'perplexity',
      'authentication',
    ],
  ]);
});

describe('rate limits and provider failures', () => {
  classifies([
    [
      'Bedrock ServiceQuotaExceededException clears if you wait',
      raw(
        400,
        {
          message:
            'Your request exceeds the service quota for your account. You can view your service quotas at Viewing service quotas. You can resubmit your request later.',
        },
        amzn('ServiceQuotaExceededException'),
      ),
      'bedrock',
      'rate_limit',
    ],
    [
      'Together: a per-model rate',
      oai(
        429,
        openaiBody(
          'You have reached the rate limit specific to this model meta-llama/Llama-3.3-70B-Instruct-Turbo. The maximum rate limit for this model is 6.0 queries and 180000 tokens per minute.',
          'model_rate_limit',
        ),
      ),
      'together',
      'rate_limit',
    ],
    [
      'Groq: tokens per day is still a wait, not money',
      oai(
        429,
        openaiBody(
          'Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 99000, Requested 1500. Please try again in 21m36s.',
          'tokens',
          'rate_limit_exceeded',
        ),
      ),
      'groq',
      'rate_limit',
    ],
    [
      'Cohere v2 SDK: a per-minute limit quoted in its message',
      new Error(
        'Status code: 429\nBody: {"id":"abc","message":"You are past the per minute request limit, please wait and try again later."}',
      ),
      'cohere',
      'rate_limit',
    ],
    [
      'DeepSeek 503: server overloaded',
      oai(503, openaiBody('Server overloaded, please try again later', 'server_error')),
      'deepseek',
      'server_error',
    ],
    [
      'Ollama: the runner was killed',
      oai(500, { error: { message: 'llama runner process has terminated: signal: killed' } }),
      'ollama',
      'server_error',
    ],
    [
      'Bedrock ModelTimeoutException on a 408 is the model, not the network',
      raw(
        408,
        { message: 'Model has timed out in processing the request. Try your request again.' },
        amzn('ModelTimeoutException'),
      ),
      'bedrock',
      'server_error',
    ],
    [
      'Gemini 504 DEADLINE_EXCEEDED',
      raw(504, google(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.')),
      'gemini',
      'server_error',
    ],
    [
      'Anthropic 413: a body over the byte limit',
      ant(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
      'anthropic',
      'invalid_request',
    ],
  ]);
});

describe('no response at all', () => {
  classifies([
    [
      'node-fetch refused',
      Object.assign(
        new Error(
          'request to https://api.openai.com/v1/chat/completions failed, reason: connect ECONNREFUSED 127.0.0.1:443',
        ),
        { name: 'FetchError', type: 'system', code: 'ECONNREFUSED' },
      ),
      'openai',
      'network_error',
      'connection_refused',
    ],
    [
      'undici headers timeout under fetch failed',
      viaFetch(
        Object.assign(new Error('Headers Timeout Error'), {
          name: 'HeadersTimeoutError',
          code: 'UND_ERR_HEADERS_TIMEOUT',
        }),
      ),
      'azure',
      'network_error',
      'timeout',
    ],
    [
      'a vLLM host that is unreachable',
      nodeError('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.5:8000'),
      'vllm',
      'network_error',
    ],
    [
      'a TLS handshake cut by a proxy, as text',
      new Error('Client network socket disconnected before secure TLS connection was established'),
      'anthropic',
      'network_error',
      'connection_reset',
    ],
    [
      'a self-signed certificate in the chain',
      viaFetch(nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')),
      'openai',
      'network_error',
      'tls_error',
    ],
    [
      'Python httpx read timeout, re-thrown',
      new Error('httpx.ReadTimeout: The read operation timed out'),
      'mistral',
      'network_error',
      'timeout',
    ],
  ]);
});

describe('an allowance per day, a quota of zero or a plan add-on is billing; a short wait keeps it a rate limit', () => {
  classifies([
    [
      'OpenAI RPD with no wait named',
      oai(
        429,
        openaiBody(
          'Rate limit reached for gpt-4o in organization org-x on requests per day (RPD): Limit 200, Used 200, Requested 1.',
          'requests',
          'rate_limit_exceeded',
        ),
      ),
      'openai',
      'billing_quota',
      'quota_long_reset',
    ],
    [
      'OpenAI TPD that clears in minutes',
      oai(
        429,
        openaiBody(
          'Rate limit reached for gpt-4o-mini in organization org-x on tokens per day (TPD): Limit 200000, Used 199000, Requested 2000. Please try again in 7m12s.',
          'tokens',
          'rate_limit_exceeded',
        ),
      ),
      'openai',
      'rate_limit',
    ],
    [
      'a daily request quota, said in words',
      new Error('Open api daily request limit reached'),
      'qianfan',
      'billing_quota',
    ],
    [
      'a google.rpc quota limit of 0, printed as protobuf text',
      new Error(
        '429 Quota exceeded for quota metric \'Requests per minute\' of service \'aiplatform.googleapis.com\'. [reason: "RATE_LIMIT_EXCEEDED"\nmetadata {\n  key: "quota_limit_value"\n  value: "0"\n}\n]',
      ),
      'vertex',
      'billing_quota',
    ],
    [
      'a plan add-on required',
      ant(429, 'rate_limit_error', 'This model requires extra usage to be enabled on your plan.'),
      'anthropic',
      'billing_quota',
    ],
    [
      'a deployment budget crossed behind a router',
      new Error('429 No deployments available - crossed budget for deployment gpt-4o: 12.5 >= 10'),
      'litellm',
      'billing_quota',
    ],
    [
      'monthly included credits spent',
      raw(402, { error: 'You have exceeded your monthly included credits for Inference Providers.' }),
      'huggingface',
      'billing_quota',
    ],
    [
      'an account not in good standing',
      raw(400, {
        code: 'Arrearage',
        message: 'Access denied, please make sure your account is in good standing.',
      }),
      'dashscope',
      'billing_quota',
    ],
    [
      'a relay whose user quota is spent',
      new Error('user quota is not enough (request id: 20250101)'),
      'one-api',
      'billing_quota',
    ],
    [
      'a balance short, in Chinese',
      new Error('Error code: 429 - {"error":{"code":"1113","message":"您的账户已欠费，请充值后重试。"}}'),
      'zhipu',
      'billing_quota',
    ],
    [
      'a geo block whose remedy is billing',
      raw(
        400,
        google(
          400,
          'FAILED_PRECONDITION',
          'The API is not available in this location without a billing account linked.',
        ),
      ),
      'gemini',
      'billing_quota',
    ],
  ]);
});

describe('a credential problem is found in any wording, whatever the status', () => {
  classifies([
    [
      'a proxy missing its upstream key',
      raw(503, { detail: 'Missing OPENROUTER_API_KEY: set it in the environment.' }),
      'proxy',
      'authentication',
    ],
    [
      'an organization header naming no organization',
      new Error('openai.AuthenticationError: No such organization: org-123.'),
      'openai',
      'authentication',
    ],
    ['GitHub', new Error('Error: 401 Bad credentials'), 'copilot', 'authentication'],
    [
      'a token, in Chinese',
      raw(401, {
        error: { code: '1002', message: 'Authorization Token非法，请确认Authorization Token正确传递。' },
      }),
      'zhipu',
      'authentication',
    ],
    [
      'OAuth scopes short',
      raw(403, google(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.')),
      'vertex',
      'authentication',
    ],
    [
      'a credential scoped to another product',
      ant(
        400,
        'invalid_request_error',
        'This credential is only authorized for use with Claude Code and cannot be used for other API requests.',
      ),
      'anthropic',
      'authentication',
    ],
    [
      'a virtual key scoped to other models',
      oai(
        401,
        openaiBody(
          "key not allowed to access model. This key can only access models=['gpt-4o'].",
          'key_model_access_denied',
          '401',
        ),
      ),
      'litellm',
      'authentication',
    ],
  ]);
});

describe('a model the account, host or router cannot serve is a model error, whatever the status', () => {
  classifies([
    [
      'a 401 for a model not offered to the account',
      raw(
        401,
        'anthropic.claude-9-opus is not available for this account. Explore the models available to you.',
      ),
      'bedrock',
      'model_error',
    ],
    [
      'a router left with no allowed provider',
      oai(404, {
        error: { message: 'No allowed providers are available for the selected model.', code: 404 },
      }),
      'openrouter',
      'model_error',
    ],
    [
      'a local model too big for the host',
      raw(500, { error: 'model requires more system memory (12.0 GiB) than is available (7.5 GiB)' }),
      'ollama',
      'model_error',
    ],
  ]);
});

describe('no response, a response that would not parse, and a proxy whose own upstream is down', () => {
  classifies([
    ['a browser fetch', new Error('TypeError: Failed to fetch'), 'gemini', 'network_error'],
    ['Firefox', new Error('NetworkError when attempting to fetch resource.'), 'openai', 'network_error'],
    ['Bun', new Error('The socket connection was closed unexpectedly.'), 'anthropic', 'network_error'],
    [
      'node-fetch with an empty reason',
      new Error('request to https://api.example.com/v1/token failed, reason: '),
      'vertex',
      'network_error',
    ],
    [
      'Deno / reqwest',
      new Error(
        'error sending request for url (https://api.openai.com/v1/chat/completions): connection closed before message completed',
      ),
      'openai',
      'network_error',
    ],
    [
      'a Go gateway giving up, whatever type it reports',
      new Error('plugin invoke failed: {"message":"context deadline exceeded","type":"server_error"}'),
      'dify',
      'network_error',
    ],
    [
      'a local proxy whose upstream refused',
      raw(502, 'dial tcp 127.0.0.1:8000: connect: connection refused'),
      'vllm',
      'network_error',
      'connection_refused',
    ],
    [
      "a provider's edge whose own upstream refused stays the provider's",
      raw(
        503,
        'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111',
      ),
      'anthropic',
      'server_error',
    ],
    [
      'an empty body the client could not parse',
      new Error(
        'invalid json response body at https://api.example.com/v1/chat/completions reason: Unexpected end of JSON input',
      ),
      'deepseek',
      'unknown',
    ],
    [
      'a stream chunk a gateway could not parse',
      new Error('litellm.APIConnectionError: Error parsing chunk: Expecting value: line 1 column 1 (char 0)'),
      'vertex',
      'unknown',
    ],
    [
      'an HTML page where JSON was expected',
      new Error('SyntaxError: Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON'),
      'openai',
      'unknown',
    ],
  ]);
});

describe('a runtime that is loading, crashed or throttled says so in words', () => {
  classifies([
    [
      'a cold start',
      raw(503, { error: 'Model org/some-model is currently loading', estimated_time: 42 }),
      'huggingface',
      'server_error',
    ],
    [
      'a cold start seen through a wrapper with no status',
      new Error("HuggingfaceException - [{'error': 'Model org/m is currently loading'}]"),
      'huggingface',
      'server_error',
    ],
    [
      'a crashed runner',
      new Error('ResponseError: llama runner process has terminated: signal: killed'),
      'ollama',
      'server_error',
    ],
    [
      'a runner gone',
      new Error('llama runner exited, you may not have enough memory to run the model'),
      'ollama',
      'server_error',
    ],
    [
      'a request rate too high',
      new Error('Your request rate is too high. Reduce the frequency of requests.'),
      'bedrock',
      'rate_limit',
    ],
    ['a QPS limit', new Error('Open api qps request limit reached'), 'qianfan', 'rate_limit'],
    [
      'TGI context validation',
      new Error(
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 512 `max_new_tokens`',
      ),
      'together',
      'invalid_request',
      'context_length_exceeded',
    ],
  ]);
});
