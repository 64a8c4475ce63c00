/** Errors are often re-thrown as text that still carries the status and the provider's JSON body. */

/** The outermost JSON object or array inside a text (e.g. `Error: 400 {"type":"error",…}`), if it parses. */
export function embeddedJson(text: string): unknown {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const open = text[start]!;
  const end = text.lastIndexOf(open === '{' ? '}' : ']');
  if (end <= start) return undefined;
  const slice = text.slice(start, end + 1);
  try {
    return JSON.parse(slice);
  } catch {
    // Python clients print dicts: {'error': {'message': '…', 'code': None}}.
    if (!slice.includes("'")) return undefined;
    try {
      return JSON.parse(
        slice
          .replace(/\bNone\b/g, 'null')
          .replace(/\bTrue\b/g, 'true')
          .replace(/\bFalse\b/g, 'false')
          .replace(/'([^'\\]*(?:\\.[^'\\]*)*)'/g, (_m, s: string) => JSON.stringify(s)),
      );
    } catch {
      return undefined;
    }
  }
}

// Only 2xx-5xx, and only where the number is plainly a status: "Error code: 429", "status_code: 403",
// "HTTP 404", "(429)", "[404 Not Found]", "401 Client Error", or a message that starts with one.
const STATUS_PATTERNS = [
  /\b(?:status(?:[ _]?code)?|error code|http(?: error| status)?|returned status|status code)\s*[:=]?\s*\(?([2-5]\d\d)\b/i,
  /^\W*(?:error:?\s*|api error:?\s*)?([2-5]\d\d)\b(?![.:]\d)/i,
  /\(([2-5]\d\d)(?:\s+[a-z][\w ]*)?\)/i,
  /\[([2-5]\d\d) [A-Z][a-z]/,
  /\b([2-5]\d\d)\s+(?:client error|server error|bad request|unauthorized|forbidden|not found|too many requests|internal server error|service unavailable|bad gateway|gateway time-?out|resource_exhausted|failed_precondition|invalid_argument|permission_denied|not_found|unavailable)\b/i,
];

export function statusInText(text: string): number | null {
  for (const pattern of STATUS_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return Number(m[1]);
  }
  return null;
}
