/** Errors are often re-thrown as text that still carries the status and the provider's body. */

/** How a body was written into a text: as JSON, as a Python `repr`, or as JSON escaped inside a string. */
export type EmbeddedForm = 'json' | 'python-repr' | 'escaped-json';

export interface Embedded {
  value: object;
  form: EmbeddedForm;
  /** Where the body starts and ends in the text (end exclusive), so what is around it can be read as wrappers. */
  start: number;
  end: number;
}

/** A body cut off before its end ("…{'error': {'message': 'You exceeded your current quo"): only its fields remain. */
export interface Truncated {
  start: number;
  /** `code`, `type`, `status`, `message` … as far as they were written before the cut. */
  fields: Record<string, string>;
}

// A text quoting a path template ("/projects/{projectName}/…") holds braces that open no body: a few tries, then stop.
const MAX_TRIES = 4;
const LOOKS_LIKE_BODY = /^[{[]\s*[[{]?\s*\\?["']/;

/** The next `{` or `[` at or after `from`, or -1. */
function nextOpener(text: string, from: number): number {
  const brace = text.indexOf('{', from);
  const bracket = text.indexOf('[', from);
  return brace < 0 ? bracket : bracket < 0 ? brace : Math.min(brace, bracket);
}

/**
 * The first JSON object or array inside a text that parses, as JSON, a Python `repr` (`{'error': {'code':
 * None}}`) or JSON escaped inside a string (`"{\"error\":…}"`); else, if a body was cut off, its fields.
 */
export function findEmbedded(text: string): Embedded | Truncated | undefined {
  // Most often the text is the body itself, as a gateway or SDK passed it on: parse it whole first.
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if ((first === 123 && last === 125) || (first === 91 && last === 93)) {
    const whole = tryParse(text);
    if (whole) return { value: whole, form: 'json', start: 0, end: text.length };
  }
  let start = nextOpener(text, 0);
  for (let tries = 0; tries < MAX_TRIES && start >= 0; tries++, start = nextOpener(text, start + 1)) {
    const escaped = text.startsWith('{\\"', start) || text.startsWith('[{\\"', start);
    const source = escaped ? unescapeOnce(text.slice(start)) : text;
    const from = escaped ? 0 : start;
    const end = balancedEnd(source, from);
    if (end < 0) {
      // Open to the end of the text: a body cut off, if it opens like one; else a stray bracket or quote in prose.
      if (LOOKS_LIKE_BODY.test(source.slice(from, from + 8)))
        return { start, fields: scrapeFields(source.slice(from)) };
      continue;
    }
    const parsed = parseLiteral(source.slice(from, end));
    if (parsed) {
      const form: EmbeddedForm = escaped ? 'escaped-json' : parsed.form;
      return { value: parsed.value, form, start, end: escaped ? text.length : end };
    }
  }
  return undefined;
}

/** The index just past the bracket that closes the one at `from`, or -1; strings in either quote are skipped. */
function balancedEnd(text: string, from: number): number {
  let depth = 0;
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function parseLiteral(slice: string): { value: object; form: EmbeddedForm } | undefined {
  const json = tryParse(slice);
  if (json) return { value: json, form: 'json' };
  if (!slice.includes("'") && !/\b(?:None|True|False)\b/.test(slice)) return undefined;
  const repr = tryParse(pythonToJson(slice));
  return repr ? { value: repr, form: 'python-repr' } : undefined;
}

function tryParse(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Python literal as JSON: `'…'` strings (which may hold `"`) and `"…"` strings (which may hold `'`, as
 * Python writes "doesn't"), None/True/False. A scan, not a regex: a regex cannot tell which quote is open.
 */
function pythonToJson(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        const d = text[j]!;
        if (d === '\\' && j + 1 < text.length) {
          const next = text[++j]!;
          value += next === "'" ? "'" : `\\${next}`;
        } else if (d === '"') value += '\\"';
        else if (d === '\n') value += '\\n';
        else value += d;
      }
      out += `"${value}"`;
      i = j + 1;
      continue;
    }
    const word = c === 'N' || c === 'T' || c === 'F' ? PY_CONSTANT.exec(text.slice(i, i + 6)) : null;
    if (word && !/\w/.test(text[i - 1] ?? '')) {
      out += word[1] === 'None' ? 'null' : word[1]!.toLowerCase();
      i += word[1]!.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const PY_CONSTANT = /^(None|True|False)\b/;

/** One level of string escaping undone: `{\"error\":{\"message\":\"a \\\"b\\\"\"}}` → `{"error":{"message":"a \"b\""}}`. */
function unescapeOnce(text: string): string {
  return text.replace(/\\(["\\/nrt])/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c,
  );
}

// `"code": "insufficient_quota"`, `'type': 'tokens'`, `"status": 429`, `"message": "You exceeded your current quo`.
const FIELD =
  /["']?\b(code|error_code|type|status|reason|message|error|msg|detail)["']?\s*:\s*(?:"((?:[^"\\]|\\.)*)"?|'((?:[^'\\]|\\.)*)'?|(-?\d+))/g;

/** The fields a cut-off body still shows; the first value of each name wins, as the outermost. */
export function scrapeFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(FIELD)) {
    const value = m[2] ?? m[3] ?? m[4];
    if (value) fields[m[1]!] ??= value;
  }
  return fields;
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

// Every pattern needs a three-digit number from 200 to 599: one test rules them all out for most texts.
const ANY_STATUS = /[2-5]\d\d/;

export function statusInText(text: string): number | null {
  if (!ANY_STATUS.test(text)) return null;
  for (const pattern of STATUS_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return Number(m[1]);
  }
  return null;
}
