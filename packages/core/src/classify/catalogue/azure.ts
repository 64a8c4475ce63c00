import type { ProviderCatalogue } from './row.ts';

const ERRORS = 'https://learn.microsoft.com/azure/foundry/openai/how-to/troubleshoot-errors';
const CONTENT_FILTER = 'https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter';

// Azure OpenAI: OpenAI's body shape behind Azure's front door; most errors are known by status only.
export const azure = {
  provider: 'azure',
  rows: [
    {
      status: 400,
      code: 'content_filter',
      meaning: 'The prompt or completion was filtered by the content filtering system',
      category: 'invalid_request',
      reason: 'content_filter',
      kind: 'code',
      url: CONTENT_FILTER,
    },
    {
      status: 400,
      meaning: 'Invalid payload, context length exceeded or unsupported parameters',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'status',
      url: ERRORS,
    },
    {
      status: 401,
      meaning: 'Invalid API key, expired or mis-scoped Entra token, missing RBAC role',
      category: 'authentication',
      reason: 'invalid_api_key',
      kind: 'status',
      url: ERRORS,
    },
    {
      status: 403,
      meaning: 'Forbidden: network or firewall rules, a blocked resource, missing permissions',
      category: 'authentication',
      reason: 'permission_denied',
      kind: 'status',
      url: ERRORS,
    },
    {
      status: 404,
      code: 'DeploymentNotFound',
      meaning: 'The deployment name does not exist on this resource (or was created minutes ago)',
      category: 'model_error',
      reason: 'model_not_deployed',
      kind: 'code',
      url: ERRORS,
    },
    {
      status: 429,
      meaning: 'Rate limit exceeded, system capacity throttling or a temporary rate limit adjustment',
      category: 'rate_limit',
      reason: 'rate_limited',
      retryable: true,
      kind: 'status',
      disambiguation: 'a `retry-after` of hours (a daily tier quota spent) is a billing quota',
      url: ERRORS,
    },
    {
      status: 500,
      meaning: 'An internal server error',
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'status',
      url: ERRORS,
    },
    {
      status: 503,
      meaning: 'The service is temporarily unavailable',
      category: 'server_error',
      reason: 'service_unavailable',
      retryable: true,
      kind: 'status',
      url: ERRORS,
    },
  ],
} as const satisfies ProviderCatalogue;
