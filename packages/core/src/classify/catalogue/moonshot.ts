import type { CatalogueRow, ProviderCatalogue } from './row.ts';

const ERRORS = 'https://platform.kimi.ai/docs/api/errors';

const row = (
  status: number,
  type: string,
  meaning: string,
  category: CatalogueRow['category'],
  reason: CatalogueRow['reason'],
) => ({ status, type, meaning, category, reason, kind: 'code', url: ERRORS }) as const satisfies CatalogueRow;

// Moonshot (Kimi) names each error by `error.type`; its 429s mean three different things.
export const moonshot = {
  provider: 'moonshot',
  rows: [
    row(
      400,
      'content_filter',
      'The request was rejected because it was considered high risk',
      'invalid_request',
      'content_filter',
    ),
    {
      status: 400,
      type: 'invalid_request_error',
      meaning: 'Invalid request: format, missing parameters, or input token length too long',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      disambiguation: '"Input token length too long" and "exceeded model token limit" are context length',
      url: ERRORS,
    },
    row(401, 'invalid_authentication_error', 'Invalid Authentication', 'authentication', 'invalid_api_key'),
    row(401, 'incorrect_api_key_error', 'Incorrect API key provided', 'authentication', 'invalid_api_key'),
    row(
      403,
      'permission_denied_error',
      'The API you are accessing is not open to you',
      'authentication',
      'permission_denied',
    ),
    row(
      404,
      'resource_not_found_error',
      'Not found the model or permission denied',
      'model_error',
      'model_not_found',
    ),
    {
      status: 429,
      type: 'engine_overloaded_error',
      meaning: 'The engine is currently overloaded, please try again later',
      category: 'server_error',
      reason: 'overloaded',
      retryable: true,
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 429,
      type: 'exceeded_current_quota_error',
      meaning: 'You exceeded your current token quota: check your account balance',
      category: 'billing_quota',
      reason: 'credit_balance_too_low',
      retryable: false,
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 429,
      type: 'rate_limit_reached_error',
      meaning: 'The organization reached its max concurrency, RPM, TPM or TPD',
      category: 'rate_limit',
      reason: 'rate_limited',
      retryable: true,
      kind: 'class',
      disambiguation: 'the words say which limit; TPD (tokens per day) clears only the next day',
      url: ERRORS,
    },
    {
      status: 500,
      type: 'server_error',
      meaning: 'A server error (e.g. failed to extract a file)',
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'class',
      url: ERRORS,
    },
  ],
} as const satisfies ProviderCatalogue;
