import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.fireworks.ai/guides/inference-error-codes';

export const fireworks = {
  provider: 'fireworks',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'Invalid input or malformed request', ERRORS),
    statusRow(
      401,
      'authentication',
      'invalid_api_key',
      'Invalid API key or insufficient permissions',
      ERRORS,
    ),
    statusRow(
      402,
      'billing_quota',
      'payment_required',
      'Not on a paid plan, or usage limits exceeded',
      ERRORS,
    ),
    statusRow(403, 'authentication', 'permission_denied', 'Authentication issues', ERRORS),
    statusRow(
      404,
      'model_error',
      'model_not_found',
      'Unknown path or model, model not deployed, or no access to it',
      ERRORS,
      {
        message: 'Model not found, inaccessible, and/or not deployed',
        disambiguation: 'a wrong endpoint path is an invalid request',
      },
    ),
    statusRow(405, 'invalid_request', 'invalid_url', 'Unsupported HTTP method', ERRORS),
    // Fireworks says "server overload or network issues"; Faultline reads every 408 as the upstream not answering.
    statusRow(408, 'network_error', 'timeout', 'The request took too long to complete', ERRORS, {
      retryable: true,
    }),
    statusRow(412, 'authentication', 'key_suspended', 'The account is suspended or in a bad state', ERRORS, {
      disambiguation: 'also sent when a LoRA model failed to load',
    }),
    statusRow(413, 'invalid_request', 'invalid_parameter', 'The request payload is too large', ERRORS),
    statusRow(429, 'rate_limit', 'rate_limited', 'Rate limit exceeded', ERRORS, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'Internal server error', ERRORS, { retryable: true }),
    statusRow(502, 'server_error', 'bad_gateway', 'Bad gateway', ERRORS, { retryable: true }),
    statusRow(503, 'server_error', 'service_unavailable', 'Service unavailable', ERRORS, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
