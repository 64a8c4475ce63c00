/** The error taxonomy every Faultline service shares: one place for categories, severities and actions. */

export const CATEGORIES = [
  'billing_quota',
  'authentication',
  'rate_limit',
  'model_error',
  'server_error',
  'network_error',
  'invalid_request',
  'unknown',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Higher is more severe: for "at or above" thresholds and for which event speaks for a group. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export interface CategorySpec {
  severity: Severity;
  /** Whether a retry of the same request can succeed without a change to config, billing or request. */
  retryable: boolean;
  /**
   * When a group of this category reaches people by default (the README's taxonomy table): `always`;
   * `when_sustained`, once RATE_LIMIT_ALERT_THRESHOLD (rate limits) or BURST_ALERT_THRESHOLD (others)
   * events of one provider fall within their window; `when_critical`, when its event is CRITICAL (a
   * provider outage, a critical model down). Sentry hears of every group.
   */
  alerts: 'always' | 'when_sustained' | 'when_critical';
  title: string;
  summary: (provider: string) => string;
  actions: (provider: string) => string[];
}

export const TAXONOMY: Record<Category, CategorySpec> = {
  billing_quota: {
    severity: 'CRITICAL',
    retryable: false,
    alerts: 'always',
    title: 'Billing Quota',
    summary: (p) =>
      `Billing or quota issue detected. Please check your ${p} account balance and usage limits.`,
    actions: (p) => [
      `Check your ${p} account balance`,
      'Review usage quotas and spend limits',
      'Add funds or raise the quota',
      'Verify the billing details and payment method',
    ],
  },
  authentication: {
    severity: 'CRITICAL',
    retryable: false,
    alerts: 'always',
    title: 'Authentication',
    summary: (p) =>
      `Authentication failed. The ${p} API key is invalid, expired, revoked or lacks permission.`,
    actions: (p) => [
      `Check that the ${p} API key is set and correct`,
      'Rotate the key if it was revoked or expired',
      'Verify the key has access to this project, region and API',
    ],
  },
  rate_limit: {
    severity: 'HIGH',
    retryable: true,
    alerts: 'when_sustained',
    title: 'Rate Limit',
    summary: (p) => `Rate limit reached at ${p}. Requests are being throttled.`,
    actions: (p) => [
      'Reduce request concurrency or add client-side throttling',
      `Review the ${p} rate limits (RPM/TPM) for this model and tier`,
      'Request a higher limit or spread traffic across models or keys',
    ],
  },
  model_error: {
    severity: 'MEDIUM',
    retryable: false,
    alerts: 'always',
    title: 'Model Error',
    summary: (p) =>
      `The requested model is not available at ${p} (unknown, retired, not deployed or no access).`,
    actions: (p) => [
      'Check the model id for typos',
      `Check whether ${p} retired the model and switch to its successor`,
      'Verify the key or deployment has access to this model',
    ],
  },
  server_error: {
    severity: 'MEDIUM',
    retryable: true,
    alerts: 'when_critical',
    title: 'Server Error',
    summary: (p) => `${p} returned a server error or is overloaded.`,
    actions: (p) => [
      `Check the ${p} status page`,
      'Retry with backoff; consider a fallback provider or model',
    ],
  },
  network_error: {
    severity: 'LOW',
    retryable: true,
    alerts: 'when_critical',
    title: 'Network Error',
    summary: (p) => `No response was received from ${p} (connection, DNS or timeout).`,
    actions: (p) => [
      `Check network connectivity, DNS and proxy settings towards ${p}`,
      'Check the configured base URL',
      'Retry with backoff; raise the client timeout if requests are slow',
    ],
  },
  invalid_request: {
    severity: 'MEDIUM',
    retryable: false,
    alerts: 'when_sustained',
    title: 'Invalid Request',
    summary: (p) => `${p} rejected the request as invalid (parameters, context length or content policy).`,
    actions: () => [
      'Check the request parameters against the provider API reference',
      'Shorten the prompt or lower max tokens if the context is too long',
      'Review the content policy if the request was filtered',
    ],
  },
  unknown: {
    severity: 'MEDIUM',
    retryable: false,
    alerts: 'when_sustained',
    title: 'Unknown Error',
    summary: (p) => `An unclassified error occurred calling ${p}.`,
    actions: () => ['Inspect the original error and logs', 'Report the payload so a rule can be added'],
  },
};

/**
 * How sure a classification is, strongest first: the provider's own documented code or type said it; a
 * pattern in its text did; only the HTTP status (or the SDK class made from it) did; nothing did.
 */
export const CONFIDENCES = ['documented_code', 'text_pattern', 'status_only', 'fallback'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** The classifier's output: one failed call, described so a person knows what broke and what to do. */
export interface ClassifiedError {
  category: Category;
  severity: Severity;
  isRetryable: boolean;
  provider: string;
  model: string | null;
  gateway: string | null;
  statusCode: number | null;
  /** The provider's own code or type, e.g. `insufficient_quota`, `rate_limit_error`, `RESOURCE_EXHAUSTED`. */
  providerCode: string | null;
  /** A finer, stable code, e.g. `context_length_exceeded`, `overloaded`, `credit_balance_too_low`. */
  reason: string;
  retryAfterMs: number | null;
  requestId: string | null;
  /** The error's class or type name, e.g. `RateLimitError`, `APIConnectionError`, `ECONNRESET`. */
  originalError: string;
  /** Human text, secrets redacted. */
  message: string;
  recommendedActions: string[];
  /**
   * The rule that decided: a built-in rule's name (`billing`, `credential`, …), `operator:<name>`, or
   * `fallback` when none matched. `classifyError` always sets it; a failure Faultline raises itself before
   * any provider call (an invalid job payload) may leave it out.
   */
  rule?: string;
  /** How sure the deciding rule is; set with `rule`. */
  confidence?: Confidence;
}

export interface ClassifyContext {
  provider: string;
  model?: string | null;
  gateway?: string | null;
}
