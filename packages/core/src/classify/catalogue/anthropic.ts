import type { ProviderCatalogue } from './row.ts';

const ERRORS = 'https://docs.claude.com/en/api/errors';

// Anthropic names every error by `error.type`; most types are broad, and the message says more (a
// 400 `invalid_request_error` about the credit balance is billing, a 429 about a daily limit too).
export const anthropic = {
  provider: 'anthropic',
  rows: [
    {
      status: 400,
      type: 'invalid_request_error',
      meaning: 'There was an issue with the format or content of the request (also other 4xx)',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      disambiguation:
        '"credit balance is too low" is billing; "organization has been disabled" is authentication',
      url: ERRORS,
    },
    {
      status: 401,
      type: 'authentication_error',
      meaning: 'There is an issue with your API key',
      category: 'authentication',
      reason: 'invalid_api_key',
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 402,
      type: 'billing_error',
      meaning: 'There is an issue with your billing or payment information',
      category: 'billing_quota',
      reason: 'billing_not_active',
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 403,
      type: 'permission_error',
      meaning: 'Your API key does not have permission to use the specified resource',
      category: 'authentication',
      reason: 'permission_denied',
      kind: 'class',
      disambiguation: 'no access to a model is a model error, not the key',
      url: ERRORS,
    },
    {
      status: 404,
      type: 'not_found_error',
      meaning: 'The requested resource was not found',
      category: 'invalid_request',
      reason: 'invalid_url',
      kind: 'class',
      disambiguation: 'a message naming the model ("model: <id>") is an unknown model',
      url: ERRORS,
    },
    {
      status: 413,
      type: 'request_too_large',
      meaning: 'The request exceeds the maximum allowed number of bytes (32 MB for the Messages API)',
      category: 'invalid_request',
      // No reason names a body too large in bytes; invalid_parameter is the nearest.
      reason: 'invalid_parameter',
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 429,
      type: 'rate_limit_error',
      meaning: 'Your account has hit a rate limit (or an acceleration limit after a sharp increase)',
      category: 'rate_limit',
      reason: 'rate_limited',
      retryable: true,
      kind: 'class',
      disambiguation: 'a daily, spend or extra-usage limit in the message is a billing quota',
      url: ERRORS,
    },
    {
      status: 500,
      type: 'api_error',
      meaning: "An unexpected error has occurred internal to Anthropic's systems",
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'class',
      disambiguation: 'OpenAI-compatible servers (Ollama) reuse `api_error` for a 404 unknown model',
      url: ERRORS,
    },
    {
      status: 529,
      type: 'overloaded_error',
      meaning: 'The API is temporarily overloaded (also sent mid-stream after a 200)',
      category: 'server_error',
      reason: 'overloaded',
      retryable: true,
      kind: 'code',
      url: ERRORS,
    },
  ],
} as const satisfies ProviderCatalogue;
