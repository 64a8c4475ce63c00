import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.perplexity.ai/guides/perplexity-sdk-error-handling';

// Perplexity documents its errors by HTTP status and SDK class (AuthenticationError, RateLimitError …).
export const perplexity = {
  provider: 'perplexity',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'Bad Request: invalid request parameters', ERRORS),
    statusRow(401, 'authentication', 'invalid_api_key', 'Invalid API key or authentication issue', ERRORS),
    statusRow(403, 'authentication', 'permission_denied', 'Permission denied', ERRORS),
    statusRow(404, 'invalid_request', 'invalid_url', 'Not found', ERRORS),
    statusRow(429, 'rate_limit', 'rate_limited', 'API rate limit exceeded', ERRORS, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'Server error', ERRORS, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
