import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.litellm.ai/docs/proxy/error_reference';
const BUDGET = 'https://docs.litellm.ai/docs/proxy/budget_exceeded_errors';
const MAPPING = 'https://docs.litellm.ai/docs/exception_mapping';

// The LiteLLM proxy answers `{ error: { message, type, param, code } }`; the message starts with the
// exception class (`litellm.RateLimitError: …`) and quotes the upstream error, which the label follows.
export const litellm = {
  provider: 'litellm',
  rows: [
    {
      status: 422,
      type: 'budget_exceeded',
      meaning: 'A key, user, team or organization budget has run out (HTTP status configurable)',
      category: 'billing_quota',
      reason: 'spend_limit',
      retryable: false,
      kind: 'code',
      url: BUDGET,
    },
    {
      status: 401,
      type: 'auth_error',
      meaning: 'The proxy rejected the virtual key',
      category: 'authentication',
      reason: 'invalid_api_key',
      kind: 'code',
      url: ERRORS,
    },
    statusRow(400, 'invalid_request', 'context_length_exceeded', 'ContextWindowExceededError', MAPPING, {
      message: 'litellm.ContextWindowExceededError: documented error',
    }),
    statusRow(400, 'invalid_request', 'content_filter', 'ContentPolicyViolationError', MAPPING, {
      message: 'litellm.ContentPolicyViolationError: documented error',
    }),
    statusRow(401, 'authentication', 'invalid_api_key', 'AuthenticationError', MAPPING),
    statusRow(403, 'authentication', 'permission_denied', 'PermissionDeniedError', MAPPING),
    statusRow(
      404,
      'model_error',
      'model_not_found',
      'NotFoundError: raised when an invalid model is passed',
      MAPPING,
      {
        message: 'litellm.NotFoundError: documented error',
        disambiguation: 'the upstream message: a wrong route is an invalid request',
      },
    ),
    statusRow(408, 'network_error', 'timeout', 'Timeout: the upstream call timed out', MAPPING, {
      retryable: true,
    }),
    statusRow(422, 'invalid_request', 'invalid_parameter', 'UnprocessableEntityError', MAPPING),
    statusRow(429, 'rate_limit', 'rate_limited', 'RateLimitError', MAPPING, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'APIError / InternalServerError', MAPPING, {
      retryable: true,
    }),
    statusRow(503, 'server_error', 'service_unavailable', 'ServiceUnavailableError', MAPPING, {
      retryable: true,
    }),
  ],
} as const satisfies ProviderCatalogue;
