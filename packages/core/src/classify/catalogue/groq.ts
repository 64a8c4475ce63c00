import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://console.groq.com/docs/errors';
const FLEX = 'https://console.groq.com/docs/flex-processing';
const LIMITS = 'https://console.groq.com/docs/rate-limits';

// Groq uses OpenAI's body shape; on a 429 `type` names the exhausted dimension (`tokens`, `requests`).
export const groq = {
  provider: 'groq',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'The request has invalid syntax', ERRORS),
    statusRow(401, 'authentication', 'invalid_api_key', 'Missing or invalid credentials', ERRORS),
    statusRow(403, 'authentication', 'permission_denied', 'Not allowed by permission restrictions', ERRORS),
    statusRow(404, 'invalid_request', 'invalid_url', 'The requested resource could not be found', ERRORS, {
      disambiguation: 'an unknown or decommissioned model is a model error',
    }),
    statusRow(413, 'invalid_request', 'invalid_parameter', 'The request body is too large', ERRORS, {
      disambiguation:
        '"Request too large … tokens per minute (TPM)" is one request above the TPM cap: rate limit',
    }),
    statusRow(
      422,
      'invalid_request',
      'invalid_parameter',
      'Well-formed, but semantic errors prevent processing',
      ERRORS,
    ),
    statusRow(429, 'rate_limit', 'rate_limited', 'Too many requests in a given time', LIMITS, {
      retryable: true,
    }),
    {
      status: 498,
      code: 'capacity_exceeded',
      meaning: 'The flex service tier is at capacity; the request was not processed',
      category: 'server_error',
      reason: 'overloaded',
      retryable: true,
      kind: 'code',
      url: FLEX,
    },
    statusRow(499, 'unknown', 'aborted', 'The request was cancelled by the caller', ERRORS),
    statusRow(500, 'server_error', 'internal_error', 'A generic server error', ERRORS, { retryable: true }),
    statusRow(502, 'server_error', 'bad_gateway', 'An invalid response from an upstream server', ERRORS, {
      retryable: true,
    }),
    statusRow(
      503,
      'server_error',
      'service_unavailable',
      'The server is overloaded or under maintenance',
      ERRORS,
      { retryable: true },
    ),
  ],
} as const satisfies ProviderCatalogue;
