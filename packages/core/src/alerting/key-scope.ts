/**
 * How far a billing or authentication failure reaches, per provider, from its documentation: some
 * codes speak for the whole key (account, organisation or project), others for one model only.
 * Faultline never marks a model failing on this alone (a model is failing only when its own calls
 * fail); the scope says in the alert what a person should expect of the key's other models.
 */
export type FailureScope = 'key' | 'model';

interface ScopeRow {
  /** Provider or gateway names as configured (`openai`, `openrouter` …). */
  providers: readonly string[];
  key: readonly string[];
  model: readonly string[];
  source: string;
}

export const KEY_SCOPE: readonly ScopeRow[] = [
  {
    providers: ['openai'],
    // Quota and keys belong to the organisation/project: every model of the key shares them.
    key: ['insufficient_quota', 'billing_hard_limit_reached', 'invalid_api_key', 'account_deactivated'],
    model: ['model_not_found'],
    source: 'https://platform.openai.com/docs/guides/error-codes',
  },
  {
    providers: ['azure', 'azure-openai'],
    // Quota is assigned per deployment (model, region): one deployment out of quota says nothing of others.
    key: ['401', 'invalid_api_key'],
    model: ['insufficient_quota', 'DeploymentNotFound', 'quota_exceeded'],
    source: 'https://learn.microsoft.com/en-us/azure/ai-services/openai/quotas-limits',
  },
  {
    providers: ['anthropic'],
    key: ['credit_balance_too_low', 'authentication_error', 'invalid_api_key', 'permission_error'],
    model: [],
    source: 'https://docs.anthropic.com/en/api/errors',
  },
  {
    providers: ['gemini', 'google', 'vertex', 'vertex-ai'],
    // RESOURCE_EXHAUSTED quotas are per model (and per project/region): one model's says nothing of another's.
    key: ['API_KEY_INVALID', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'BILLING_DISABLED'],
    model: ['RESOURCE_EXHAUSTED', 'resource_exhausted'],
    source: 'https://ai.google.dev/gemini-api/docs/troubleshooting',
  },
  {
    providers: ['openrouter'],
    // Credits are the account's; the free variants (`:free`) have limits of their own per model.
    key: ['402', 'insufficient_credits', '401'],
    model: ['free_model_limit', 'free-models-per-day'],
    source: 'https://openrouter.ai/docs/api-reference/errors',
  },
  {
    providers: ['deepseek'],
    key: ['402', 'insufficient_balance', '401'],
    model: [],
    source: 'https://api-docs.deepseek.com/quick_start/error_codes',
  },
  {
    // OpenAI-compatible APIs whose keys and balances belong to the account, as OpenAI's do.
    providers: ['mistral', 'groq', 'together', 'fireworks', 'xai', 'cerebras', 'perplexity', 'moonshot'],
    key: ['insufficient_quota', 'invalid_api_key', '401', '402'],
    model: [],
    source: 'https://console.groq.com/docs/errors',
  },
];

/**
 * The documented scope of a failure code at a provider (or the gateway it goes through), or null
 * where the documentation does not say: then only evidence decides (every probed model failing).
 */
export function documentedScope(
  provider: string,
  gateway: string | null,
  codes: readonly (string | number | null | undefined)[],
): FailureScope | null {
  const names = [provider, gateway].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  const row = KEY_SCOPE.find((r) => r.providers.some((p) => names.includes(p)));
  if (!row) return null;
  const seen = codes.filter((c) => c !== null && c !== undefined).map(String);
  if (seen.some((c) => row.model.includes(c))) return 'model';
  if (seen.some((c) => row.key.includes(c))) return 'key';
  return null;
}
