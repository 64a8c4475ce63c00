/**
 * Secrets never leave Faultline: error messages quote keys back (OpenAI's "Incorrect API key
 * provided: sk-…", Gemini's "api_key:AIza…"), so every string we emit passes through here.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  // Provider keys: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), OpenRouter (sk-or-v1-), Groq (gsk_), xAI (xai-).
  [/\b(?:sk-ant-|sk-or-v1-|sk-proj-|sk-|gsk_|xai-)[A-Za-z0-9_-]{12,}/g, '[redacted-key]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted-key]'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '[redacted-key]'],
  [/\b(?:hf_|r8_|pplx-|fw_|nvapi-)[A-Za-z0-9_-]{16,}/g, '[redacted-key]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted-jwt]'],
  [/([?&](?:api[_-]?key|key|token|access_token|secret)=)[^&\s"']+/gi, '$1[redacted]'],
  [
    /((?:api[_-]?key|x-api-key|password|secret|token)["']?\s*[:=]\s*["']?)(?!\[redacted)[^\s"',}]{6,}/gi,
    '$1[redacted]',
  ],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[redacted]@'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_FIELD =
  /^(?:api[_-]?key|apikey|password|passwd|secret|token|authorization|x-api-key|smtp_password|access[_-]?token)$/i;

/** A copy of `value` with every string redacted and secret-named fields removed; cycle-safe, never throws. */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  try {
    if (typeof value === 'string') return redactSecrets(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value) || depth > 8) return '[…]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
    if (value instanceof Error) {
      return {
        name: value.name,
        message: redactSecrets(value.message),
        stack: value.stack && redactSecrets(value.stack),
      };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactDeep(v, depth + 1, seen);
    return out;
  } catch {
    return '[unreadable]';
  }
}
