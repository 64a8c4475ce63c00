import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://inference-docs.cerebras.ai/support/error';

// Cerebras documents statuses and the SDK exception each raises.
export const cerebras = {
  provider: 'cerebras',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'BadRequestError', ERRORS),
    statusRow(401, 'authentication', 'invalid_api_key', 'AuthenticationError', ERRORS),
    statusRow(402, 'billing_quota', 'payment_required', 'PaymentRequired', ERRORS),
    statusRow(403, 'authentication', 'permission_denied', 'PermissionDeniedError', ERRORS),
    statusRow(404, 'invalid_request', 'invalid_url', 'NotFoundError', ERRORS, {
      disambiguation: 'a model that does not exist is a model error',
    }),
    statusRow(422, 'invalid_request', 'invalid_parameter', 'UnprocessableEntityError', ERRORS),
    statusRow(429, 'rate_limit', 'rate_limited', 'RateLimitError', ERRORS, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'InternalServerError', ERRORS, { retryable: true }),
    statusRow(503, 'server_error', 'service_unavailable', 'ServiceUnavailable', ERRORS, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
