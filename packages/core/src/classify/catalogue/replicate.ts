import { type ProviderCatalogue, statusRow } from './row.ts';

const HTTP = 'https://replicate.com/docs/reference/http';
const LIMITS = 'https://replicate.com/docs/topics/predictions/rate-limits';

// Replicate answers problem details: `{ title, detail, status }`.
export const replicate = {
  provider: 'replicate',
  rows: [
    statusRow(
      401,
      'authentication',
      'invalid_api_key',
      'Unauthenticated: a missing or invalid API token',
      HTTP,
    ),
    statusRow(402, 'billing_quota', 'credit_balance_too_low', 'Insufficient credit to run the model', HTTP, {
      retryable: false,
    }),
    statusRow(404, 'invalid_request', 'invalid_url', 'The model, version or prediction was not found', HTTP, {
      disambiguation: 'an unknown model or version is a model error',
    }),
    statusRow(
      422,
      'invalid_request',
      'invalid_parameter',
      'Invalid input or version, or not permitted',
      HTTP,
    ),
    statusRow(429, 'rate_limit', 'rate_limited', 'Request was throttled', LIMITS, {
      retryable: true,
      message: 'Request was throttled. Expected available in 1 second.',
    }),
  ],
} as const satisfies ProviderCatalogue;
