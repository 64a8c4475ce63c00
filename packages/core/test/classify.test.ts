import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type Category, classifyError, type Reason } from '../src/index.ts';

// Real SDK error objects, built by the SDKs' own factories from a status, body and headers.
const oai = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, body as object, undefined, new Headers(headers));
const ant = (status: number, type: string, message: string) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message }, request_id: 'req_011CbGwJbzjf' },
    undefined,
    new Headers({ 'request-id': 'req_011CbGwJbzjf' }),
  );
/** What a fetch-based client (Gemini, Vertex, Bedrock, Cohere) holds after a failed call. */
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

/** [case, input, provider, category, reason?] */
type Case = [string, unknown, string, Category, Reason?];

function classifies(cases: Case[]) {
  it.each(cases)('%s', (_name, input, provider, category, reason) => {
    const c = classifyError(input, { provider });
    expect(c.category).toBe(category);
    if (reason) expect(c.reason).toBe(reason);
  });
}

describe('a 429 is billing when it is about money, a rate limit when it is about speed', () => {
  classifies([
    [
      'OpenAI insufficient_quota',
      oai(
        429,
        openaiBody(
          'You exceeded your current quota, please check your plan and billing details.',
          'insufficient_quota',
          'insufficient_quota',
        ),
      ),
      'openai',
      'billing_quota',
      'insufficient_quota',
    ],
    [
      'OpenAI billing_not_active',
      oai(
        429,
        openaiBody(
          'Your account is not active, please check your billing details on our website.',
          'billing_not_active',
          'billing_not_active',
        ),
      ),
      'openai',
      'billing_quota',
      'billing_not_active',
    ],
    [
      'OpenAI requests per minute',
      oai(
        429,
        openaiBody(
          'Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
          'requests',
          'rate_limit_exceeded',
        ),
      ),
      'openai',
      'rate_limit',
      'rpm_limit',
    ],
    [
      'OpenAI free tier RPD that mentions adding a payment method is still speed',
      oai(
        429,
        openaiBody(
          'Rate limit reached for gpt-3.5-turbo in organization org-x on requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 7m12s. You can increase your rate limit by adding a payment method to your account at https://platform.openai.com/account/billing.',
          'requests',
          'rate_limit_exceeded',
        ),
      ),
      'openai',
      'rate_limit',
    ],
    [
      'Groq tokens per minute',
      oai(
        429,
        openaiBody(
          'Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01x` on tokens per minute (TPM): Limit 6000, Used 5800, Requested 900. Please try again in 7s.',
          'tokens',
          'rate_limit_exceeded',
        ),
      ),
      'groq',
      'rate_limit',
      'tpm_limit',
    ],
    [
      'Anthropic rate_limit_error',
      ant(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      'anthropic',
      'rate_limit',
    ],
    [
      'Mistral code 1300 (the openai SDK drops its body: the status decides)',
      oai(429, { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', code: '1300' }),
      'mistral',
      'rate_limit',
    ],
    [
      'Gemini RESOURCE_EXHAUSTED with no per-day or billing signal',
      raw(429, [google(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).')]),
      'gemini',
      'rate_limit',
    ],
    [
      'Gemini free tier exhausted for the day',
      raw(
        429,
        google(
          429,
          'RESOURCE_EXHAUSTED',
          'You exceeded your current quota, please check your plan and billing details.',
          [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
            },
          ],
        ),
      ),
      'gemini',
      'billing_quota',
    ],
    [
      'Azure tier quota with a day-long retry-after',
      oai(
        429,
        {
          error: {
            code: '429',
            message:
              'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 86400 seconds.',
          },
        },
        { 'retry-after': '86400' },
      ),
      'azure',
      'billing_quota',
      'quota_long_reset',
    ],
    [
      'Azure call rate limit with a short retry-after',
      oai(
        429,
        {
          error: {
            code: '429',
            message:
              'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds.',
          },
        },
        { 'retry-after': '2' },
      ),
      'azure',
      'rate_limit',
    ],
    [
      'OpenRouter free models per day: an allowance that resets tomorrow',
      oai(429, {
        error: {
          message:
            'Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day',
          code: 429,
        },
      }),
      'openrouter',
      'billing_quota',
    ],
    [
      'Cohere trial key per minute',
      raw(429, { message: 'You are using a Trial key, which is limited to 10 API calls / minute.' }),
      'cohere',
      'rate_limit',
    ],
    [
      'Cohere trial key per month',
      raw(429, { message: 'You are using a Trial key, which is limited to 1000 API calls / month.' }),
      'cohere',
      'billing_quota',
    ],
    [
      'Bedrock ThrottlingException (x-amzn-errortype)',
      raw(429, { message: 'Too many tokens, please wait before trying again.' }, amzn('ThrottlingException')),
      'bedrock',
      'rate_limit',
    ],
    [
      'LiteLLM router with every deployment cooling down',
      oai(429, {
        error: {
          message:
            'No deployments available for selected model, Try again in 60 seconds. Passed model=gpt-4o.',
          type: 'None',
          code: '429',
        },
      }),
      'litellm',
      'rate_limit',
      'no_capacity',
    ],
    [
      'a 429 of type server_error is the provider overloaded',
      oai(429, openaiBody('That model is currently overloaded with other requests.', 'server_error')),
      'openai',
      'server_error',
      'overloaded',
    ],
    [
      'a 429 saying "high demand" and "rate limit" is a rate limit',
      oai(429, {
        error: {
          message:
            'Rate limit exceeded: limit_rpm/google/gemini-2.5-pro. High demand for google/gemini-2.5-pro on OpenRouter - limited to 1 requests per minute.',
          code: 429,
        },
      }),
      'openrouter',
      'rate_limit',
    ],
  ]);
});

describe('billing hides behind 400, 402 and 403', () => {
  classifies([
    [
      'Anthropic low credit balance on a 400 invalid_request_error',
      ant(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      ),
      'anthropic',
      'billing_quota',
      'credit_balance_too_low',
    ],
    [
      'Anthropic workspace usage limits',
      ant(
        400,
        'invalid_request_error',
        'You have reached your specified workspace API usage limits. You will regain access on 2025-12-01 at 00:00 UTC.',
      ),
      'anthropic',
      'billing_quota',
      'spend_limit',
    ],
    [
      'OpenRouter 402 requires more credits',
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
      oai(402, openaiBody('Insufficient Balance', 'unknown_error', 'invalid_request_error')),
      'deepseek',
      'billing_quota',
    ],
    [
      'a bare 402',
      raw(402, { message: 'Please add or update your payment method to continue' }),
      'cohere',
      'billing_quota',
    ],
    [
      'OpenRouter key limit on a 403',
      oai(403, { error: { message: 'Key limit exceeded (total limit).', code: 403 } }),
      'openrouter',
      'billing_quota',
      'spend_limit',
    ],
    [
      'xAI team without credits on a 403 (string `error`, sentence in `code`)',
      oai(403, {
        code: 'The caller does not have permission to execute the specified operation',
        error:
          "Your newly created teams doesn't have any credits yet. You can purchase credits on the console.",
      }),
      'xai',
      'billing_quota',
    ],
    [
      'xAI monthly spending limit',
      oai(429, {
        code: 'Some resource has been exhausted',
        error:
          'Your team has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.',
      }),
      'xai',
      'billing_quota',
    ],
    [
      'Vertex project without billing',
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
      'LiteLLM proxy budget',
      oai(400, {
        error: {
          message: 'Budget has been exceeded! Current cost: 10.2, Max budget: 10.0',
          type: 'budget_exceeded',
        },
      }),
      'litellm',
      'billing_quota',
      'spend_limit',
    ],
  ]);
});

describe('a key problem is told from a model-access problem on 400, 401, 403 and 404', () => {
  classifies([
    [
      'OpenAI invalid key',
      oai(
        401,
        openaiBody('Incorrect API key provided: sk-abc***xyz.', 'invalid_request_error', 'invalid_api_key'),
      ),
      'openai',
      'authentication',
      'invalid_api_key',
    ],
    [
      'xAI bad key answered with a 400',
      oai(400, {
        code: 'Client specified an invalid argument',
        error: 'Incorrect API key provided: xa***bc. You can obtain an API key from https://console.x.ai.',
      }),
      'xai',
      'authentication',
    ],
    [
      'Gemini API_KEY_INVALID on a 400',
      raw(400, [
        google(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
        ]),
      ]),
      'gemini',
      'authentication',
    ],
    [
      'Gemini suspended consumer',
      raw(
        403,
        google(403, 'PERMISSION_DENIED', "Permission denied: Consumer 'api_key:AIza…' has been suspended."),
      ),
      'gemini',
      'authentication',
      'key_suspended',
    ],
    [
      'Gemini API not enabled in the project',
      raw(
        403,
        google(
          403,
          'PERMISSION_DENIED',
          'Generative Language API has not been used in project 123 before or it is disabled. Enable it by visiting the console then retry.',
          [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }],
        ),
      ),
      'gemini',
      'authentication',
      'api_not_enabled',
    ],
    [
      'Gemini geo-block on a 400',
      raw(400, google(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.')),
      'gemini',
      'authentication',
      'region_not_supported',
    ],
    [
      'OpenAI geo-block on a 403',
      oai(403, {
        error: {
          code: 'unsupported_country_region_territory',
          message: 'Country, region, or territory not supported',
          type: 'request_forbidden',
        },
      }),
      'openai',
      'authentication',
      'region_not_supported',
    ],
    [
      'Anthropic permission_error',
      ant(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
      'anthropic',
      'authentication',
      'permission_denied',
    ],
    [
      'Azure wrong subscription key',
      oai(401, {
        error: {
          code: '401',
          message: 'Access denied due to invalid subscription key or wrong API endpoint.',
        },
      }),
      'azure',
      'authentication',
    ],
    [
      'Bedrock expired security token',
      raw(
        403,
        { message: 'The security token included in the request is expired' },
        amzn('ExpiredTokenException'),
      ),
      'bedrock',
      'authentication',
    ],
    [
      'an HTML 403 from the edge',
      raw(403, '<html><head><title>403 Forbidden</title></head><body>403 Forbidden</body></html>'),
      'cohere',
      'authentication',
    ],
    [
      'OpenAI 404 model_not_found',
      oai(
        404,
        openaiBody(
          'The model `gpt-5-preview` does not exist or you do not have access to it.',
          'invalid_request_error',
          'model_not_found',
        ),
      ),
      'openai',
      'model_error',
      'model_not_found',
    ],
    [
      'OpenAI 403 project without access to a model',
      oai(
        403,
        openaiBody(
          'Project `proj_abc` does not have access to model `gpt-4o`',
          'invalid_request_error',
          'model_not_found',
        ),
      ),
      'openai',
      'model_error',
    ],
    [
      'Anthropic 404 that names only the model',
      ant(404, 'not_found_error', 'model: claude-3-opus-2024'),
      'anthropic',
      'model_error',
      'model_not_found',
    ],
    [
      'Bedrock model access on a 403 is the model, not the key',
      raw(
        403,
        { message: "You don't have access to the model with the specified model ID." },
        amzn('AccessDeniedException'),
      ),
      'bedrock',
      'model_error',
      'model_access_denied',
    ],
    [
      'Bedrock on-demand throughput needs an inference profile id',
      raw(
        400,
        {
          message:
            'Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile.',
        },
        amzn('ValidationException'),
      ),
      'bedrock',
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
      oai(
        400,
        openaiBody(
          'The model `mixtral-8x7b-32768` has been decommissioned and is no longer supported.',
          'invalid_request_error',
          'model_decommissioned',
        ),
      ),
      'groq',
      'model_error',
      'model_decommissioned',
    ],
    [
      'Ollama model not pulled',
      oai(404, { error: 'model "llama3" not found, try pulling it first' }),
      'ollama',
      'model_error',
    ],
    [
      'vLLM unknown model (body without `error`, dropped by the openai SDK)',
      oai(404, {
        object: 'error',
        message: 'The model `llama` does not exist.',
        type: 'NotFoundError',
        code: 404,
      }),
      'vllm',
      'model_error',
    ],
    [
      'Vertex publisher model not found',
      raw(
        404,
        google(
          404,
          'NOT_FOUND',
          'Publisher Model `projects/p/locations/us-central1/publishers/google/models/gemini-1.0-pro-002` was not found or your project does not have access to it.',
        ),
      ),
      'vertex',
      'model_error',
    ],
    [
      'a 404 on a wrong path is the request, not the model',
      oai(
        404,
        openaiBody('Invalid URL (POST /v1/chat/completions/chat/completions)', 'invalid_request_error'),
      ),
      'openai',
      'invalid_request',
      'invalid_url',
    ],
  ]);
});

describe('gateways are labelled by the upstream cause they carry', () => {
  classifies([
    [
      'OpenRouter metadata.raw with an upstream Anthropic prompt too long',
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
      'openrouter',
      'invalid_request',
      'context_length_exceeded',
    ],
    [
      'OpenRouter metadata.raw with an upstream key that ran out of credit',
      oai(400, {
        error: {
          message: 'Provider returned error',
          code: 400,
          metadata: {
            raw: '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}',
          },
        },
      }),
      'openrouter',
      'billing_quota',
    ],
    [
      'OpenRouter upstream rate limit in plain text',
      oai(429, {
        error: {
          message: 'Provider returned error',
          code: 429,
          metadata: { raw: 'google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream.' },
        },
      }),
      'openrouter',
      'rate_limit',
    ],
    [
      'OpenRouter moderation on a 403 is the content, not the caller',
      oai(403, {
        error: {
          code: 403,
          message: 'openai/gpt-4o requires moderation on OpenAI. Your input was flagged for "harassment".',
          metadata: { reasons: ['harassment'] },
        },
      }),
      'openrouter',
      'invalid_request',
      'content_filter',
    ],
    [
      'LiteLLM proxy calling an upstream Bedrock denial APIConnectionError',
      new Error(
        JSON.stringify({
          error: {
            message:
              'litellm.APIConnectionError: BedrockException - {"message":"Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions."}',
          },
        }),
      ),
      'litellm',
      'model_error',
    ],
    [
      'LiteLLM proxy relaying an upstream 500 as APIConnectionError',
      oai(500, {
        error: {
          message:
            'litellm.APIConnectionError: AnthropicException - {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
          code: '500',
        },
      }),
      'litellm',
      'server_error',
    ],
    [
      'OpenRouter with metadata.raw dropped by the client says nothing',
      new Error('OpenAI API error (400 Bad Request): Provider returned error'),
      'openrouter',
      'unknown',
    ],
  ]);
});

describe('provider failures, dropped connections and bad requests', () => {
  classifies([
    [
      'Anthropic 529 overloaded',
      ant(529, 'overloaded_error', 'Overloaded'),
      'anthropic',
      'server_error',
      'overloaded',
    ],
    ['Anthropic 500 api_error', ant(500, 'api_error', 'Internal server error'), 'anthropic', 'server_error'],
    [
      'Anthropic overloaded_error mid-stream (no status)',
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
      'Gemini 503 UNAVAILABLE',
      raw(503, google(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')),
      'gemini',
      'server_error',
    ],
    [
      'Cloudflare 502 HTML page',
      raw(502, '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>'),
      'openai',
      'server_error',
      'bad_gateway',
    ],
    [
      'Groq flex tier out of capacity on a 498',
      oai(498, openaiBody('Capacity exceeded for flex tier. Please try again later.', 'capacity_exceeded')),
      'groq',
      'server_error',
      'overloaded',
    ],
    [
      'Bedrock ModelErrorException on a 424',
      raw(
        424,
        { message: 'The model encountered an error processing the request.' },
        amzn('ModelErrorException'),
      ),
      'bedrock',
      'server_error',
    ],
    [
      'OpenAI connection error over fetch failed over ECONNRESET',
      new OpenAI.APIConnectionError({
        cause: new TypeError('fetch failed', { cause: nodeError('ECONNRESET', 'read ECONNRESET') }),
      }),
      'openai',
      'network_error',
      'connection_reset',
    ],
    ['Anthropic timeout', new Anthropic.APIConnectionTimeoutError(), 'anthropic', 'network_error', 'timeout'],
    [
      'a gateway 408 timeout',
      oai(408, { error: { message: 'litellm.Timeout: APITimeoutError - Request timed out.', code: '408' } }),
      'litellm',
      'network_error',
      'timeout',
    ],
    [
      'Python requests refused',
      new Error(
        "ConnectionError: HTTPConnectionPool(host='localhost', port=11434): Max retries exceeded with url: /api/chat (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
      ),
      'ollama',
      'network_error',
      'connection_refused',
    ],
    ['an aborted request', new OpenAI.APIUserAbortError(), 'openai', 'unknown', 'aborted'],
    [
      'AbortSignal.timeout is a timeout, not an abort',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'openai',
      'network_error',
      'timeout',
    ],
    [
      'OpenAI context length',
      oai(
        400,
        openaiBody(
          "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
          'invalid_request_error',
          'context_length_exceeded',
        ),
      ),
      'openai',
      'invalid_request',
      'context_length_exceeded',
    ],
    [
      'Cohere "too many tokens" in a 400 is a long prompt, not a rate',
      raw(400, {
        message: 'too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5000.',
      }),
      'cohere',
      'invalid_request',
      'context_length_exceeded',
    ],
    [
      'Azure content filter',
      oai(400, {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          code: 'content_filter',
          param: 'prompt',
          status: 400,
        },
      }),
      'azure',
      'invalid_request',
      'content_filter',
    ],
    [
      'OpenAI unsupported parameter',
      oai(
        400,
        openaiBody(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          'invalid_request_error',
          'unsupported_parameter',
        ),
      ),
      'openai',
      'invalid_request',
      'unsupported_parameter',
    ],
    [
      'an opaque 400 names no cause',
      ant(400, 'invalid_request_error', 'Error'),
      'anthropic',
      'unknown',
      'unrecognized',
    ],
    [
      'a client-side decode failure',
      new SyntaxError('Unexpected token < in JSON at position 0'),
      'openai',
      'unknown',
    ],
  ]);
});

describe('errors re-thrown as text keep their status, body and class', () => {
  classifies([
    [
      'Error: 400 {json} from an Anthropic client',
      new Error(
        'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}',
      ),
      'anthropic',
      'billing_quota',
    ],
    [
      'Python SDK str() with a dict body',
      new Error(
        "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-abc***.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}",
      ),
      'openai',
      'authentication',
    ],
    [
      'legacy python class name and text only',
      'openai.error.RateLimitError: Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Used 9000, Requested 2000. Please try again in 6s.',
      'openai',
      'rate_limit',
    ],
    [
      'HTTP 404 prefix',
      new Error(
        'HTTP 404 models/gemini-pro is not found for API version v1, or is not supported for generateContent.',
      ),
      'gemini',
      'model_error',
    ],
    [
      'status_code: 429 (Fern-generated clients)',
      new Error('cohere.errors.too_many_requests_error.TooManyRequestsError: status_code: 429'),
      'cohere',
      'rate_limit',
    ],
    [
      'a google.rpc status in parentheses',
      new Error('[API Error: Request contains an invalid argument. (Status: INVALID_ARGUMENT)]'),
      'vertex',
      'invalid_request',
    ],
    [
      'a gRPC status line',
      new Error(
        '8 RESOURCE_EXHAUSTED: Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute',
      ),
      'vertex',
      'rate_limit',
    ],
    [
      'botocore text naming the AWS exception',
      new Error(
        'An error occurred (UnrecognizedClientException) when calling the InvokeModel operation: The security token included in the request is invalid.',
      ),
      'bedrock',
      'authentication',
    ],
    [
      'Rust AWS SDK debug format',
      new Error(
        'Error { code: "ThrottlingException", message: "Too many requests, please wait before trying again." }',
      ),
      'bedrock',
      'rate_limit',
    ],
    [
      'a mid-stream server error event with no status',
      new Error(
        'An error occurred while processing your request. You can retry your request, or contact us through our help center.',
      ),
      'openai',
      'server_error',
    ],
  ]);
});

describe('cause chains and wrappers are walked', () => {
  class APICallError extends Error {
    override name = 'AI_APICallError';
    constructor(fields: Record<string, unknown>) {
      super(String(fields.message));
      Object.assign(this, fields);
    }
  }
  class AwsError extends Error {
    constructor(
      override name: string,
      message: string,
      readonly $metadata: Record<string, unknown>,
    ) {
      super(message);
    }
  }
  classifies([
    [
      'undici AggregateError of refused addresses',
      new TypeError('fetch failed', {
        cause: new AggregateError([
          nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:11434'),
          nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:11434'),
        ]),
      }),
      'ollama',
      'network_error',
      'connection_refused',
    ],
    [
      'undici connect timeout',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('Connect Timeout Error'), {
          name: 'ConnectTimeoutError',
          code: 'UND_ERR_CONNECT_TIMEOUT',
        }),
      }),
      'openai',
      'network_error',
      'timeout',
    ],
    [
      'Vercel AI SDK APICallError with the body as a string',
      new APICallError({
        message: 'Bad Request',
        statusCode: 400,
        responseHeaders: { 'request-id': 'req_1' },
        responseBody:
          '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}',
      }),
      'anthropic',
      'billing_quota',
    ],
    [
      'Vercel AI SDK RetryError around its last error',
      Object.assign(new Error('Failed after 3 attempts. Last error: Overloaded'), {
        name: 'AI_RetryError',
        lastError: new APICallError({
          message: 'Overloaded',
          statusCode: 529,
          responseBody: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        }),
      }),
      'anthropic',
      'server_error',
    ],
    [
      'AWS SDK v3 exception by name and $metadata',
      new AwsError('ValidationException', 'The provided model identifier is invalid.', {
        httpStatusCode: 400,
      }),
      'bedrock',
      'model_error',
    ],
    [
      'AWS SDK v3 missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'bedrock',
      'authentication',
    ],
    [
      'axios-style error with response data',
      Object.assign(new Error('Request failed with status code 401'), {
        name: 'AxiosError',
        response: {
          status: 401,
          headers: {},
          data: { error: { message: 'Invalid API Key', code: 'invalid_api_key' } },
        },
      }),
      'groq',
      'authentication',
    ],
  ]);
});

describe('retryable follows the cause, not only the category', () => {
  it.each([
    [
      'a request larger than the TPM cap',
      oai(
        413,
        openaiBody(
          'Request too large for model `llama3-8b-8192` on tokens per minute (TPM): Limit 6000, Requested 7012, please reduce your message size and try again.',
          'tokens',
          'rate_limit_exceeded',
        ),
      ),
      'rate_limit',
      false,
    ],
    [
      'a host that does not resolve',
      nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND proxy.internal'),
      'network_error',
      false,
    ],
    ['a DNS hiccup', nodeError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.openai.com'), 'network_error', true],
    [
      'a certificate the client refuses',
      new Error('request to https://api.openai.com failed, reason: unable to get local issuer certificate'),
      'network_error',
      false,
    ],
    [
      'a dead vLLM engine',
      oai(500, {
        error: { message: 'EngineCore encountered an issue.', type: 'EngineDeadError', code: 500 },
      }),
      'server_error',
      false,
    ],
    ['a reset connection', nodeError('ECONNRESET', 'socket hang up'), 'network_error', true],
    ['a 503', raw(503, 'Service Unavailable'), 'server_error', true],
    [
      'a bad key',
      oai(401, openaiBody('Invalid API Key', 'invalid_request_error', 'invalid_api_key')),
      'authentication',
      false,
    ],
  ])('%s', (_name, input, category, retryable) => {
    const c = classifyError(input, { provider: 'p' });
    expect([c.category, c.isRetryable]).toEqual([category, retryable]);
  });
});
