/**
 * Secrets never leave Faultline: error messages quote keys back (OpenAI's "Incorrect API key
 * provided: sk-…", Gemini's "Consumer 'api_key:AIza…' has been suspended", a proxy URL with a
 * password), so every string we emit passes through here. Already-masked keys ("sk-VKMIs****wjh3")
 * are left as they are: too little of them is left to match.
 *
 * Two kinds of rule, as secret scanners (gitleaks, trufflehog) have them: a token whose prefix says
 * what it is, wherever it stands; and any value in a secret's place (after `api_key=`, `"apiKey":`,
 * `Authorization:`, in a URL's password), whatever it looks like: Azure's keys are bare hex, Mistral's,
 * Cohere's and Together's bare alphanumerics.
 */

/** The start of a field name before its secret word: `client_`, `aws_`, `x-goog-`, `refresh` (refreshToken). */
const NAME_PREFIX = String.raw`[\w-]{0,40}?`;
/** Field names (and their endings) whose value is a secret; `\b…` and NAME_PREFIX put them at a name's end. */
const SECRET_WORD =
  '(?:api[_-]?key|(?:access|secret|private|subscription|account|master|admin|client|signing)[_-]?key|secret|password|passwd|pwd|token|credentials?|cookie|auth)';
/** A value in a secret's place: quoted (to its closing quote) or bare (to a space or separator). */
const FIELD_VALUE = String.raw`(?:(?<=["'])(?:(?!\k<q>)[^\n\\]|\\.){4,}|[^\s"',;&}\]]{6,})`;

const RULES: Record<string, string> = {
  // Provider keys: OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-), OpenRouter
  // (sk-or-v1-), DeepSeek (sk-), Groq (gsk_), xAI (xai-), Hugging Face (hf_), Replicate (r8_),
  // Perplexity (pplx-), Fireworks (fw_), NVIDIA (nvapi-), Cerebras (csk-), LangSmith (lsv2_pt_/lsv2_sk_);
  // GitHub (ghp_ gho_ ghu_ ghs_ ghr_ github_pat_), GitLab (glpat-), Slack (xoxb- xoxp- …), Stripe,
  // Google OAuth client secrets (GOCSPX-). Prefixes from gitleaks' default rules.
  prefixed: String.raw`\b(?:sk-|gsk_|xai-|hf_|r8_|pplx-|fw_|nvapi-|csk-|lsv2_(?:pt|sk)_|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|GOCSPX-|[rs]k_(?:live|test)_)[A-Za-z0-9_-]{12,}`,
  // Google API keys; Google OAuth access tokens (ya29.); AWS access key ids (long-term and STS).
  google: String.raw`\bAIza[0-9A-Za-z_-]{20,}`,
  googleOauth: String.raw`\bya29\.[0-9A-Za-z_.-]{20,}`,
  awsKeyId: String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  // JWTs (OAuth access tokens, Vertex bearer tokens).
  jwt: String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
  // A service account's key, as a Vertex credentials file quotes it.
  pem: String.raw`-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)`,
  // Incoming-webhook URLs are the credential itself: Slack's (on any host: a proxy or relay keeps the
  // path), Slack workflow triggers, Discord's.
  slackHook: String.raw`(?<hook>\/services\/)T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{12,}|(?<hook2>hooks\.slack\.com\/(?:workflows|triggers)\/)[\w/-]{12,}`,
  discordHook: String.raw`(?<hook3>\/api\/webhooks\/\d{5,}\/)[A-Za-z0-9_-]{20,}`,
  // Authorization: <anything>, with or without a scheme; before `scheme` so the header's value goes whole.
  authorization: String.raw`(?<auth>\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:Bearer|Basic|Token|Digest|Bot|Key)\s+)?)(?!\[redacted)[^\s"',;}]{6,}`,
  scheme: String.raw`(?<scheme>\b(?:Bearer|Basic))\s+[A-Za-z0-9._~+/=-]{8,}`,
  // ?key=… (Gemini REST), signed URLs (S3 presigned, Azure SAS `sig=`).
  param: String.raw`(?<param>[?&](?:key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\s"'#]+`,
  // "api_key": "…", apiKey=…, x-api-key: …, api-key: <Azure hex>, password=…, aws_secret_access_key = …,
  // refreshToken: …, AccountKey=… (Azure connection strings).
  field: String.raw`(?<field>\b${NAME_PREFIX}${SECRET_WORD}["']?\s*[:=]\s*(?<q>["']?))(?!\[redacted)${FIELD_VALUE}`,
  // Prose: "Received API key = 3f9a…", "invalid token 9c1d…": a long token with letters and digits
  // after the word (the review's "high-entropy rule"); words alone ("key provided", "****fcc2") stay.
  prose: String.raw`(?<prose>\b(?:key|token|secret|password)\b[\s:="'\x60]{1,4})(?=[\w.+/=-]*\d)(?=[\w.+/=-]*[A-Za-z])[\w.+/=-]{16,}`,
  // scheme://user:password@host, the user possibly empty (redis://:password@host).
  userinfo: String.raw`(?<userinfo>\/\/[^/\s:@]*:)[^@\s/]+@`,
};

const SECRET = new RegExp(Object.values(RULES).join('|'), 'gi');

function mask(match: string, ...rest: unknown[]): string {
  const g = rest[rest.length - 1] as Record<string, string | undefined>;
  if (g.auth) return `${g.auth}[redacted]`;
  if (g.scheme) return `${g.scheme} [redacted]`;
  if (g.param) return `${g.param}[redacted]`;
  if (g.field) return `${g.field}[redacted]`;
  if (g.prose) return `${g.prose}[redacted]`;
  if (g.userinfo) return `${g.userinfo}[redacted]@`;
  const hook = g.hook ?? g.hook2 ?? g.hook3;
  if (hook) return `${hook}[redacted]`;
  if (match.startsWith('-----')) return '[redacted-private-key]';
  return match.startsWith('eyJ') ? '[redacted-jwt]' : '[redacted-key]';
}

/** `text` with every secret-looking token replaced; one pass, so cheap on the common text that has none. */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string' || text.length < 8) return text;
  return text.replace(SECRET, mask);
}

// Field names whose values are secrets whatever they look like (an Azure `api-key` is bare hex):
// snake, kebab or a header name (`x-api-key`, `openai_key`, `client_secret`), and camelCase
// (`apiKey`, `refreshToken`). A field called just `key` is too often a cache or group key.
const SECRET_FIELD =
  /(?:^|[_-])(?:api[_-]?key|apikey|key|access[_-]?key|private[_-]?key|password|passwd|pwd|secret|token|authorization|cookie|credentials?|signature)$/i;
const SECRET_FIELD_CAMEL = /[a-z0-9](?:Key|Secret|Password|Token|Credentials?|Signature)$/;
const isSecretField = (name: string) =>
  name.toLowerCase() !== 'key' && (SECRET_FIELD.test(name) || SECRET_FIELD_CAMEL.test(name));
const MAX_DEPTH = 8;

/**
 * A copy of `value` for logs and Sentry: every string redacted, secret-named fields masked, errors
 * flattened to their name, message, code, status and cause. Cycle-safe; never throws.
 */
export function redactDeep(value: unknown): unknown {
  return copy(value, 0, new WeakSet());
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  try {
    if (typeof value === 'string') return redactSecrets(value);
    if (value === null || typeof value !== 'object')
      return typeof value === 'function' ? '[function]' : value;
    if (seen.has(value)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[…]';
    seen.add(value);
    if (Array.isArray(value)) return value.slice(0, 100).map((v) => copy(v, depth + 1, seen));
    if (value instanceof Error) {
      const e = value as Error & Record<string, unknown>;
      const out: Record<string, unknown> = { name: e.name, message: redactSecrets(e.message) };
      for (const key of ['code', 'status', 'type', 'requestID'])
        if (e[key] !== undefined) out[key] = copy(e[key], depth + 1, seen);
      if (e.stack) out.stack = redactSecrets(e.stack);
      if (e.cause !== undefined) out.cause = copy(e.cause, depth + 1, seen);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] =
        isSecretField(k) && v !== null && v !== undefined && v !== ''
          ? '[redacted]'
          : copy(v, depth + 1, seen);
    return out;
  } catch {
    return '[unreadable]';
  }
}
