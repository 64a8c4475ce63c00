/** Finer, stable causes behind a category; alert grouping and dashboards key on these. */
export const REASONS = [
  // billing_quota
  'insufficient_quota',
  'credit_balance_too_low',
  'billing_not_active',
  'spend_limit',
  'quota_long_reset',
  'payment_required',
  // authentication
  'invalid_api_key',
  'missing_api_key',
  'key_suspended',
  'permission_denied',
  'api_not_enabled',
  'region_not_supported',
  // model_error
  'model_not_found',
  'model_decommissioned',
  'model_not_deployed',
  'model_access_denied',
  'model_not_supported',
  // rate_limit
  'rpm_limit',
  'tpm_limit',
  'rate_limited',
  'request_too_large_for_tpm',
  'no_capacity',
  // server_error
  'overloaded',
  'internal_error',
  'bad_gateway',
  'service_unavailable',
  'gateway_timeout',
  'engine_dead',
  // network_error
  'connection_refused',
  'connection_reset',
  'dns_failure',
  'timeout',
  'tls_error',
  'connection_error',
  // invalid_request
  'context_length_exceeded',
  'unsupported_parameter',
  'content_filter',
  'invalid_url',
  'invalid_parameter',
  // raised by Faultline itself before any provider call (services/generation-worker)
  'invalid_job_payload',
  'unknown_provider',
  // unknown
  'aborted',
  'unrecognized',
] as const;
export type Reason = (typeof REASONS)[number];
