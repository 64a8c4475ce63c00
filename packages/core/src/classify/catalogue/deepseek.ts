import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://api-docs.deepseek.com/quick_start/error_codes';

// DeepSeek documents statuses with a title; its bodies reuse OpenAI's shape with broad codes.
export const deepseek = {
  provider: 'deepseek',
  rows: [
    statusRow(
      400,
      'invalid_request',
      'invalid_parameter',
      'Invalid Format: invalid request body format',
      ERRORS,
    ),
    statusRow(401, 'authentication', 'invalid_api_key', 'Authentication Fails: wrong API key', ERRORS),
    statusRow(
      402,
      'billing_quota',
      'credit_balance_too_low',
      'Insufficient Balance: you have run out of balance',
      ERRORS,
      {
        message: 'Insufficient Balance',
      },
    ),
    statusRow(422, 'invalid_request', 'invalid_parameter', 'Invalid Parameters', ERRORS),
    statusRow(429, 'rate_limit', 'rate_limited', 'Rate Limit Reached: requests sent too quickly', ERRORS, {
      retryable: true,
    }),
    statusRow(500, 'server_error', 'internal_error', 'Server Error', ERRORS, { retryable: true }),
    statusRow(503, 'server_error', 'overloaded', 'Server Overloaded: high traffic', ERRORS, {
      retryable: true,
    }),
  ],
} as const satisfies ProviderCatalogue;
