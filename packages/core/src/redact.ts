/**
 * Secrets never leave Faultline: error messages quote keys back (OpenAI's "Incorrect API key
 * provided: sk-…", Gemini's "Consumer 'api_key:AIza…' has been suspended", a proxy URL with a
 * password), so every string we emit passes through here. Already-masked keys ("sk-VKMIs****wjh3")
 * are left as they are: too little of them is left to match.
 */
const SECRET = new RegExp(
  [
    // Provider keys: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), OpenRouter (sk-or-v1-), DeepSeek (sk-),
    // Groq (gsk_), xAI (xai-), Hugging Face (hf_), Replicate (r8_), Perplexity (pplx-), Fireworks (fw_), NVIDIA (nvapi-).
    String.raw`\b(?:sk-ant-|sk-or-v1-|sk-proj-|sk-|gsk_|xai-|hf_|r8_|pplx-|fw_|nvapi-)[A-Za-z0-9_-]{12,}`,
    // Google API keys, AWS access key ids, JWTs (OAuth access tokens, Vertex bearer tokens).
    String.raw`\bAIza[0-9A-Za-z_-]{20,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`(?<scheme>\b(?:Bearer|Basic))\s+[A-Za-z0-9._~+/=-]{8,}`,
    // ?key=… (Gemini REST), ?api_key=…, signed URLs.
    String.raw`(?<param>[?&](?:api[_-]?key|key|token|access_token|secret|sig|signature)=)[^&\s"'#]+`,
    // "api_key": "…", x-api-key: …, password=…, aws_secret_access_key = …
    String.raw`(?<field>\b(?:[a-z0-9]+_)*(?:api[_-]?key|x-api-key|api-key|password|passwd|secret(?:_access_key)?|token|access[_-]?token)["']?\s*[:=]\s*["']?)(?!\[redacted)[^\s"',}]{6,}`,
    // scheme://user:password@host
    String.raw`(?<userinfo>\/\/[^/\s:@]+:)[^@\s/]+@`,
  ].join('|'),
  'gi',
);

function mask(match: string, ...rest: unknown[]): string {
  const g = rest[rest.length - 1] as Record<string, string | undefined>;
  if (g.scheme) return `${g.scheme} [redacted]`;
  if (g.param) return `${g.param}[redacted]`;
  if (g.field) return `${g.field}[redacted]`;
  if (g.userinfo) return `${g.userinfo}[redacted]@`;
  return match.startsWith('eyJ') ? '[redacted-jwt]' : '[redacted-key]';
}

/** `text` with every secret-looking token replaced; one pass, so cheap on the common text that has none. */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string' || text.length < 8) return text;
  return text.replace(SECRET, mask);
}

// Header and field names whose values are secrets whatever they look like (an Azure `api-key` is bare hex).
const SECRET_FIELD =
  /^(?:.*[_-])?(?:api[_-]?key|apikey|access[_-]?key|password|passwd|secret|token|authorization|cookie|credentials?|private[_-]?key)$/i;
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
        SECRET_FIELD.test(k) && v !== null && v !== undefined && v !== ''
          ? '[redacted]'
          : copy(v, depth + 1, seen);
    return out;
  } catch {
    return '[unreadable]';
  }
}
