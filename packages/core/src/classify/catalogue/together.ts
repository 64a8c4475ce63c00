import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.together.ai/docs/error-codes';

export const together = {
  provider: 'together',
  rows: [
    statusRow(
      400,
      'invalid_request',
      'invalid_parameter',
      'Misconfigured request: invalid JSON or prompt format',
      ERRORS,
    ),
    statusRow(401, 'authentication', 'invalid_api_key', 'Missing or invalid API key', ERRORS),
    statusRow(
      402,
      'billing_quota',
      'spend_limit',
      'The account reached its maximum monthly spending limit',
      ERRORS,
    ),
    // Together documents its context-length refusal as a 403, where other providers mean a permission.
    statusRow(
      403,
      'invalid_request',
      'context_length_exceeded',
      'Input tokens plus max_tokens exceed the context length',
      ERRORS,
      {
        message: 'Input token count + max_tokens parameter must be less than the context length of the model',
        disambiguation: 'the context-length wording; a bare 403 elsewhere is a permission',
      },
    ),
    statusRow(404, 'invalid_request', 'invalid_url', 'Invalid endpoint URL or model name', ERRORS, {
      disambiguation: 'a model name that is not available is a model error',
    }),
    statusRow(429, 'rate_limit', 'rate_limited', 'Too many requests in a short period', ERRORS, {
      retryable: true,
    }),
    statusRow(500, 'server_error', 'internal_error', 'Unknown server error', ERRORS, { retryable: true }),
    statusRow(503, 'server_error', 'overloaded', 'Engine overloaded: high traffic', ERRORS, {
      retryable: true,
    }),
  ],
} as const satisfies ProviderCatalogue;
