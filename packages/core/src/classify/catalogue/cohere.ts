import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.cohere.com/reference/errors';

// Cohere answers `{ message }`: the status and the documented wording are all there is.
export const cohere = {
  provider: 'cohere',
  rows: [
    statusRow(
      400,
      'invalid_request',
      'invalid_parameter',
      'The body is not valid: missing fields or invalid values',
      ERRORS,
    ),
    statusRow(
      400,
      'invalid_request',
      'context_length_exceeded',
      'The prompt or requested output exceeds the model token limits',
      ERRORS,
      {
        message: 'too many tokens: total number of tokens in the prompt cannot exceed 4081',
      },
    ),
    statusRow(
      401,
      'authentication',
      'invalid_api_key',
      'The API key is missing, invalid or has expired',
      ERRORS,
    ),
    statusRow(402, 'billing_quota', 'payment_required', 'A payment method must be added or updated', ERRORS),
    statusRow(
      404,
      'model_error',
      'model_not_found',
      'The model was not found or the key has no access to it',
      ERRORS,
      {
        message: "model 'command-x' not found, make sure the correct model ID was used",
        disambiguation: 'other 404s name a missing resource, not a model',
      },
    ),
    statusRow(429, 'rate_limit', 'rate_limited', 'Too many requests for the key and endpoint', ERRORS, {
      retryable: true,
    }),
    statusRow(
      429,
      'billing_quota',
      'quota_long_reset',
      'A trial key is limited to 1000 API calls a month',
      ERRORS,
      {
        message: 'You are using a Trial key, which is limited to 1000 API calls / month',
        disambiguation: 'the trial wording: the monthly allowance is spent, not the per-minute rate',
      },
    ),
    statusRow(499, 'unknown', 'aborted', 'The request was cancelled by the caller', ERRORS),
    statusRow(500, 'server_error', 'internal_error', 'Server error', ERRORS, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
