import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://openrouter.ai/docs/api/reference/errors-and-debugging';

// OpenRouter: `{ error: { code: <status>, message, metadata } }`; an upstream provider's own error rides in
// `metadata.raw`, and the label follows it when present. Errors after the model started come with a 200.
export const openrouter = {
  provider: 'openrouter',
  rows: [
    statusRow(
      400,
      'invalid_request',
      'invalid_parameter',
      'Bad Request: invalid or missing params, CORS',
      ERRORS,
    ),
    statusRow(
      401,
      'authentication',
      'invalid_api_key',
      'Invalid credentials: OAuth session expired, disabled or invalid key',
      ERRORS,
    ),
    statusRow(
      402,
      'billing_quota',
      'credit_balance_too_low',
      'The account or API key has insufficient credits',
      ERRORS,
      {
        retryable: false,
      },
    ),
    statusRow(
      403,
      'invalid_request',
      'content_filter',
      'The chosen model requires moderation and the input was flagged',
      ERRORS,
      {
        message: 'Your chosen model requires moderation and your input was flagged',
        disambiguation: 'the moderation wording; a 403 for permissions is authentication',
      },
    ),
    statusRow(408, 'network_error', 'timeout', 'Your request timed out', ERRORS, { retryable: true }),
    statusRow(429, 'rate_limit', 'rate_limited', 'You are being rate limited', ERRORS, {
      retryable: true,
      disambiguation: 'a `free-models-per-day` limit is a daily allowance: billing',
    }),
    statusRow(
      502,
      'server_error',
      'bad_gateway',
      'The chosen model is down or returned an invalid response',
      ERRORS,
      {
        retryable: true,
      },
    ),
    statusRow(
      503,
      'model_error',
      'model_not_deployed',
      'No available model provider meets your routing requirements',
      ERRORS,
      {
        message: 'There is no available model provider that meets your routing requirements',
        disambiguation: 'routing requirements that exclude every provider; a bare 503 is an outage',
      },
    ),
  ],
} as const satisfies ProviderCatalogue;
