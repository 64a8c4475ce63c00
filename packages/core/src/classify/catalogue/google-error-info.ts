import type { CatalogueRow } from './row.ts';

// Gemini API and Vertex AI put a google.rpc.ErrorInfo in `error.details`; its `reason` (domain
// googleapis.com) says why a request was refused where the canonical `status` only says how.
const REASONS = 'https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto';

// The status is the one the reason's canonical code maps to (403 PERMISSION_DENIED for most).
const row = (
  status: number,
  code: string,
  meaning: string,
  category: CatalogueRow['category'],
  reason: CatalogueRow['reason'],
) =>
  ({ status, code, meaning, category, reason, kind: 'code', url: REASONS }) as const satisfies CatalogueRow;

const AUTH = 'authentication';

export const googleErrorInfo = [
  row(403, 'SERVICE_DISABLED', 'The API is disabled for the consumer project', AUTH, 'api_not_enabled'),
  row(
    403,
    'BILLING_DISABLED',
    "The project's billing account is disabled",
    'billing_quota',
    'billing_not_active',
  ),
  row(
    400,
    'API_KEY_INVALID',
    'The API key is invalid: bad format, not found or expired',
    AUTH,
    'invalid_api_key',
  ),
  row(
    403,
    'API_KEY_SERVICE_BLOCKED',
    "The key's API restrictions block this service",
    AUTH,
    'permission_denied',
  ),
  row(403, 'API_KEY_HTTP_REFERRER_BLOCKED', "The key's HTTP referrer restriction", AUTH, 'permission_denied'),
  row(403, 'API_KEY_IP_ADDRESS_BLOCKED', "The key's IP address restriction", AUTH, 'permission_denied'),
  row(403, 'API_KEY_ANDROID_APP_BLOCKED', "The key's Android app restriction", AUTH, 'permission_denied'),
  row(403, 'API_KEY_IOS_APP_BLOCKED', "The key's iOS app restriction", AUTH, 'permission_denied'),
  row(
    403,
    'USER_PROJECT_DENIED',
    'No permission on the user project, or it is invalid',
    AUTH,
    'permission_denied',
  ),
  row(
    403,
    'CONSUMER_SUSPENDED',
    'The consumer project is suspended (Terms of Service)',
    AUTH,
    'key_suspended',
  ),
  row(
    403,
    'CONSUMER_INVALID',
    'The consumer project is invalid, not found or deleted',
    AUTH,
    'permission_denied',
  ),
  row(403, 'SECURITY_POLICY_VIOLATED', 'Denied by VPC Service Controls', AUTH, 'permission_denied'),
  row(401, 'ACCESS_TOKEN_EXPIRED', 'The access token has expired', AUTH, 'invalid_api_key'),
  {
    status: 429,
    code: 'RATE_LIMIT_EXCEEDED',
    meaning: 'Not enough rate quota for the consumer (a per-minute or per-day quota limit)',
    category: 'rate_limit',
    reason: 'rate_limited',
    retryable: true,
    kind: 'class',
    disambiguation: 'a per-day or free-tier `quota_limit` that cannot clear soon is a billing quota',
    url: REASONS,
  },
] as const satisfies readonly CatalogueRow[];
