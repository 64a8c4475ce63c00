import type { CatalogueRow, ProviderCatalogue } from './row.ts';

const ERRORS = 'https://www.alibabacloud.com/help/en/model-studio/error-code';

const row = (
  status: number,
  code: string,
  meaning: string,
  category: CatalogueRow['category'],
  reason: CatalogueRow['reason'],
  retryable?: boolean,
): CatalogueRow => ({
  status,
  code,
  meaning,
  category,
  reason,
  kind: 'code',
  url: ERRORS,
  ...(retryable === undefined ? {} : { retryable }),
});

// DashScope (Alibaba Cloud Model Studio, Qwen) answers `{ code, message, request_id }`; its codes are
// dotted names whose prefix is the family (`Throttling.RateQuota`).
export const dashscope = {
  provider: 'dashscope',
  rows: [
    {
      status: 400,
      code: 'InvalidParameter',
      meaning: 'Required parameters missing or invalid',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      disambiguation: 'the message says which parameter; an input length over the limit is context length',
      url: ERRORS,
    },
    row(
      400,
      'DataInspectionFailed',
      'Input or output data may contain inappropriate content',
      'invalid_request',
      'content_filter',
    ),
    row(
      400,
      'data_inspection_failed',
      'Input or output data may contain inappropriate content (compatible mode)',
      'invalid_request',
      'content_filter',
    ),
    row(400, 'InvalidURL', 'Invalid URL provided in the request', 'invalid_request', 'invalid_url'),
    row(
      400,
      'Arrearage',
      'Access denied: the account is in arrears (overdue payment)',
      'billing_quota',
      'payment_required',
      false,
    ),
    row(401, 'InvalidApiKey', 'Invalid API-key provided', 'authentication', 'invalid_api_key'),
    {
      status: 403,
      code: 'AccessDenied',
      meaning: 'No access to this API (e.g. not in an invitation-only test)',
      category: 'authentication',
      reason: 'permission_denied',
      kind: 'class',
      url: ERRORS,
    },
    row(
      403,
      'AccessDenied.Unpurchased',
      'Access to the model denied: the model is not activated for the account',
      'model_error',
      'model_access_denied',
    ),
    row(404, 'ModelNotFound', 'The model can not be found', 'model_error', 'model_not_found'),
    row(
      408,
      'RequestTimeOut',
      'Request timed out, please try again later',
      'server_error',
      'gateway_timeout',
      true,
    ),
    {
      status: 429,
      code: 'Throttling',
      meaning: 'Requests throttling triggered',
      category: 'rate_limit',
      reason: 'rate_limited',
      retryable: true,
      kind: 'class',
      url: ERRORS,
    },
    row(
      429,
      'Throttling.RateQuota',
      'Requests rate limit exceeded (calls per minute)',
      'rate_limit',
      'rpm_limit',
      true,
    ),
    row(
      429,
      'Throttling.AllocationQuota',
      'Allocated quota exceeded over a period (tokens per minute)',
      'rate_limit',
      'tpm_limit',
      true,
    ),
    row(500, 'InternalError', 'An internal error has occurred', 'server_error', 'internal_error', true),
    row(
      500,
      'InternalError.Algo',
      'An internal error occurred during execution of the model',
      'server_error',
      'internal_error',
      true,
    ),
  ],
} as const satisfies ProviderCatalogue;
