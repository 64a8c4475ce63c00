import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://portkey.ai/docs/api-reference/inference-api/error-codes';

// Portkey passes provider errors through unchanged; these are the statuses it sends itself.
export const portkey = {
  provider: 'portkey',
  rows: [
    statusRow(408, 'network_error', 'timeout', 'Request timed out (Portkey or the provider)', ERRORS, {
      retryable: true,
    }),
    statusRow(412, 'billing_quota', 'spend_limit', 'Budget exhausted (Portkey or the provider)', ERRORS, {
      retryable: false,
      message: 'Budget exhausted',
    }),
    statusRow(429, 'rate_limit', 'rate_limited', 'Request rate limited (Portkey or the provider)', ERRORS, {
      retryable: true,
    }),
    statusRow(446, 'invalid_request', 'content_filter', 'Guardrail checks failed: request denied', ERRORS),
  ],
} as const satisfies ProviderCatalogue;
