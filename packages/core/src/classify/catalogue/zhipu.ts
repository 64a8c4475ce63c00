import type { CatalogueRow, ProviderCatalogue } from './row.ts';

const ERRORS = 'https://docs.z.ai/api-reference/api-code';

// Zhipu (Z.ai, BigModel) answers `{ error: { code: "1113", message } }`: a numeric business code inside
// an HTTP status. A 429 alone is concurrency, frequency, an empty balance or a locked account; the code
// says which. Numeric codes are matched with their documented status only: other vocabularies reuse
// the same numbers (Mistral's "1300" is a rate limit, Zhipu's a policy block).
const row = (
  status: number,
  code: string,
  meaning: string,
  category: CatalogueRow['category'],
  reason: CatalogueRow['reason'],
) => ({ status, code, meaning, category, reason, kind: 'code', url: ERRORS }) as const satisfies CatalogueRow;

export const zhipu = {
  provider: 'zhipu',
  rows: [
    row(401, '1000', 'Authentication failed', 'authentication', 'invalid_api_key'),
    row(
      401,
      '1001',
      'No authentication parameter received in the header',
      'authentication',
      'missing_api_key',
    ),
    row(401, '1002', 'Invalid authentication token', 'authentication', 'invalid_api_key'),
    row(401, '1003', 'Authentication token expired', 'authentication', 'invalid_api_key'),
    row(401, '1004', 'Authentication failed with the provided token', 'authentication', 'invalid_api_key'),
    row(429, '1110', 'The account is currently inactive', 'authentication', 'key_suspended'),
    row(429, '1111', 'The account does not exist', 'authentication', 'invalid_api_key'),
    row(429, '1112', 'The account has been locked', 'authentication', 'key_suspended'),
    {
      ...row(
        429,
        '1113',
        'The account is in arrears: recharge and try again',
        'billing_quota',
        'credit_balance_too_low',
      ),
      retryable: false,
    },
    row(
      429,
      '1121',
      'The account has irregular activities and has been locked',
      'authentication',
      'key_suspended',
    ),
    row(400, '1210', 'Incorrect API call parameters', 'invalid_request', 'invalid_parameter'),
    row(400, '1211', 'The model does not exist', 'model_error', 'model_not_found'),
    row(400, '1212', 'The model does not support this call method', 'model_error', 'model_not_supported'),
    row(400, '1213', 'A parameter was not received properly', 'invalid_request', 'invalid_parameter'),
    row(400, '1214', 'A parameter is invalid', 'invalid_request', 'invalid_parameter'),
    row(400, '1215', 'Two parameters cannot be set together', 'invalid_request', 'invalid_parameter'),
    row(500, '1230', 'API call process error', 'server_error', 'internal_error'),
    row(500, '1234', 'Network error on the provider side', 'server_error', 'internal_error'),
    row(400, '1300', 'The API call was blocked by policy', 'invalid_request', 'content_filter'),
    row(
      400,
      '1301',
      'Unsafe or sensitive content detected in the input or generation',
      'invalid_request',
      'content_filter',
    ),
    {
      ...row(429, '1302', 'Concurrency of this API is too high', 'rate_limit', 'rate_limited'),
      retryable: true,
    },
    {
      ...row(429, '1303', 'Request frequency of this API is too high', 'rate_limit', 'rpm_limit'),
      retryable: true,
    },
    {
      ...row(429, '1304', 'The daily call limit of this API is reached', 'billing_quota', 'quota_long_reset'),
      disambiguation: 'a per-day allowance: it clears at the next day, not in seconds',
    },
    {
      ...row(429, '1305', 'The service may be temporarily overloaded', 'server_error', 'overloaded'),
      retryable: true,
    },
  ],
} as const satisfies ProviderCatalogue;
