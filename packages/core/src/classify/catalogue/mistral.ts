import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.mistral.ai/resources/error-glossary';

// Mistral's body: `{ object: "error", message, type, param, code }`; the glossary is by status, with
// `type` one of invalid_request_error, authentication_error, rate_limit_error, server_error.
export const mistral = {
  provider: 'mistral',
  rows: [
    statusRow(
      400,
      'invalid_request',
      'invalid_parameter',
      'Malformed body, missing field or unsupported value',
      ERRORS,
    ),
    statusRow(401, 'authentication', 'invalid_api_key', 'The API key is missing, invalid or expired', ERRORS),
    statusRow(
      402,
      'billing_quota',
      'payment_required',
      'A billing condition blocks the request (no credits, spending limit, failed payment)',
      ERRORS,
      { retryable: false },
    ),
    statusRow(403, 'authentication', 'permission_denied', 'The account may not access the resource', ERRORS, {
      disambiguation: 'a model not available on the subscription tier is a model error',
    }),
    {
      status: 400,
      code: 'unknown_model',
      meaning: 'The model named in the request is not known',
      category: 'model_error',
      reason: 'model_not_found',
      kind: 'code',
      url: ERRORS,
    },
    statusRow(
      404,
      'invalid_request',
      'invalid_url',
      'The requested resource or endpoint does not exist',
      ERRORS,
    ),
    statusRow(
      422,
      'invalid_request',
      'invalid_parameter',
      'The body is well-formed but fails validation',
      ERRORS,
    ),
    statusRow(429, 'rate_limit', 'rate_limited', 'Rate limit exceeded', ERRORS, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'Internal server error', ERRORS, { retryable: true }),
    statusRow(502, 'server_error', 'bad_gateway', 'Bad gateway', ERRORS, { retryable: true }),
    statusRow(503, 'server_error', 'service_unavailable', 'Service unavailable', ERRORS, { retryable: true }),
    statusRow(504, 'server_error', 'gateway_timeout', 'Gateway timeout', ERRORS, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
