import { googleErrorInfo } from './google-error-info.ts';
import type { ProviderCatalogue } from './row.ts';

const ERRORS = 'https://ai.google.dev/gemini-api/docs/troubleshooting';

// Gemini sends google.rpc errors: `error.status` is the canonical code, broad by design; the message,
// a QuotaFailure (`quotaId` …PerDay…FreeTier) or an ErrorInfo `reason` say more.
export const gemini = {
  provider: 'gemini',
  rows: [
    {
      status: 400,
      type: 'INVALID_ARGUMENT',
      meaning: 'The request body is malformed (typo, missing field, feature of a newer API version)',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      disambiguation:
        'ErrorInfo `API_KEY_INVALID` is a bad key; an input token count over the limit is context',
      url: ERRORS,
    },
    {
      status: 400,
      type: 'FAILED_PRECONDITION',
      message: 'Gemini API free tier is not available in your country. Please enable billing on your project',
      meaning: 'The free tier is not available in your region and billing is not enabled',
      category: 'billing_quota',
      reason: 'billing_not_active',
      kind: 'class',
      disambiguation: 'the status alone is a failed precondition; the billing wording makes it billing',
      url: ERRORS,
    },
    {
      status: 403,
      type: 'PERMISSION_DENIED',
      meaning: "Your API key doesn't have the required permissions (or a tuned model without auth)",
      category: 'authentication',
      reason: 'permission_denied',
      kind: 'class',
      url: ERRORS,
    },
    {
      status: 404,
      type: 'NOT_FOUND',
      meaning: 'The requested resource (a referenced file) was not found',
      category: 'invalid_request',
      reason: 'invalid_url',
      kind: 'class',
      disambiguation: '"models/<id> is not found" is an unknown model',
      url: ERRORS,
    },
    {
      status: 429,
      type: 'RESOURCE_EXHAUSTED',
      meaning: "You've exceeded the rate limit",
      category: 'rate_limit',
      reason: 'rate_limited',
      retryable: true,
      kind: 'class',
      disambiguation:
        'a PerDay/FreeTier quota or "check your plan and billing details" is a billing quota, not a rate',
      url: ERRORS,
    },
    {
      status: 500,
      type: 'INTERNAL',
      meaning: "An unexpected error occurred on Google's side (also an input context too long)",
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'class',
      url: ERRORS,
    },
    {
      status: 503,
      type: 'UNAVAILABLE',
      meaning: 'The service may be temporarily overloaded or down',
      category: 'server_error',
      reason: 'service_unavailable',
      retryable: true,
      kind: 'class',
      url: ERRORS,
    },
    {
      status: 504,
      type: 'DEADLINE_EXCEEDED',
      meaning: 'The service is unable to finish processing within the deadline',
      category: 'server_error',
      reason: 'gateway_timeout',
      retryable: true,
      kind: 'class',
      url: ERRORS,
    },
    ...googleErrorInfo,
  ],
} as const satisfies ProviderCatalogue;
