import { findEmbedded } from './embedded.ts';

/**
 * What transport did to an error's text, undone. Between the provider and us a message is re-thrown by
 * SDKs and gateways (`litellm.RateLimitError: RateLimitError: OpenrouterException - …`, "OpenAI rejected
 * the request …", `non 200 response from …`), printed as a Python `repr` or as JSON escaped in a string,
 * re-wrapped over indented lines, cut off, or served inside an HTML error page. Peeling it gives the rules
 * one line of plain words and the payload inside, so it classifies as the payload would.
 */
export interface Peeled {
  /** The text as the rules read it: an HTML page reduced to its words, lines re-joined, spaces made one. */
  text: string;
  /** The layers peeled, outermost first: `html`, `rewrapped`, a class or label (`litellm.RateLimitError`), `status 429`, `json` … */
  layers: string[];
  /** The body inside the text, parsed; or, when it was cut off, the fields it still shows. */
  body: object | undefined;
  /** Whether the text was nothing but that body, no wrapper around it (then the text adds only syntax). */
  bodyOnly: boolean;
  /** The payload's own words: the body's message, or what is left once the wrappers are peeled. */
  inner: string;
  /** A status a wrapper named ("non 200 response from openai: 401 …", "provider returned 402: …"). */
  status: number | null;
}

const HTML_PAGE = /<(?:!doctype html|html|head|body|title|h1|center)\b/i;
// Marks of a layer anywhere in a text: a body, a page, a re-wrapped line, a " - " after a label.
const LAYER_MARK = /[\n\r\t<{[]| {2}| - /;

/**
 * Whether a text may carry a layer: most are a plain sentence and leave after this. A colon counts only near
 * the start, where a wrapper's label ends ("litellm.RateLimitError: …"); "… (TPM): Limit 3" is prose.
 */
function mayBeWrapped(text: string): boolean {
  const colon = text.indexOf(':');
  return (
    (colon >= 0 && colon < 64) ||
    !isLetter(text.charCodeAt(0)) ||
    LAYER_MARK.test(text) ||
    text.startsWith('non') ||
    text.startsWith('Non') ||
    text.includes('rejected the request')
  );
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const LOOSE_SPACE = /\s\s|[^\S ]/;
const NO_LAYERS: string[] = [];
const MAX_WRAPPERS = 8;

/**
 * Peels one text. `findBody: false` skips looking for a body (an SDK message that repeats the body already
 * read); `findInner: false` skips digging the body for its innermost message (wanted once per error). This
 * runs on every text of every error, so plain text leaves after `mayBeWrapped`.
 */
export function peelTransport(raw: string, findBody = true, findInner = true): Peeled {
  if (!mayBeWrapped(raw))
    return { text: raw, layers: NO_LAYERS, body: undefined, bodyOnly: false, inner: raw, status: null };
  const layers: string[] = [];
  let text = raw;
  if (text.includes('<') && HTML_PAGE.test(text)) {
    text = htmlWords(text);
    layers.push('html');
  }
  if (LOOSE_SPACE.test(text)) {
    const joined = text.replace(/\s+/g, ' ').trim();
    // Pretty-printed JSON and stack traces are not re-wrapped prose; a line break inside a sentence is.
    if (/[\w,;]\s*\n\s*[\w(`]/.test(text)) layers.push('rewrapped');
    text = joined;
  }

  let rest = isWordStart(text.charCodeAt(0)) ? text : text.replace(LEADING_SYMBOLS, '');
  let status: number | null = null;
  for (let n = 0; n < MAX_WRAPPERS; n++) {
    const wrapper = wrapperAt(rest);
    // A wrapper that would leave nothing was the whole message ("Error: 429" is no wrapper of anything).
    if (!wrapper || wrapper[0].length >= rest.length) break;
    const layer = wrapper[1]!;
    layers.push(layer);
    if (status === null && layer.startsWith('status ')) status = Number(layer.slice(7));
    rest = rest.slice(wrapper[0].length);
  }

  let body: object | undefined;
  let bodyOnly = false;
  let inner = rest;
  if (findBody && (rest.includes('{') || rest.includes('['))) {
    const found = findEmbedded(rest);
    if (found && 'value' in found) {
      layers.push(found.form);
      body = found.value;
      bodyOnly = rest === text && found.start === 0 && rest.slice(found.end).trim() === '';
      const said = findInner ? messageOf(body, layers, 0) : undefined;
      if (said) inner = said;
    } else if (found) {
      layers.push('truncated');
      body = found.fields;
      inner = found.fields.message ?? found.fields.error ?? found.fields.detail ?? found.fields.msg ?? rest;
    }
  }
  const colon = rest.indexOf(': ');
  if (!body && colon >= 0 && rest.indexOf(': ', colon + 2) >= 0) {
    const fields = labelledFields(rest);
    if (fields) {
      layers.push('fields');
      body = fields;
      if (fields.message) inner = fields.message;
    }
  }
  return { text, layers, body, bodyOnly, inner: inner.trim(), status };
}

/** A letter, a digit, or what opens a body or a label: `[`, `{`, `<`, quotes. */
function isWordStart(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 91 ||
    c === 123 ||
    c === 60 ||
    c === 34 ||
    c === 39 ||
    c === 96 ||
    c === 95
  );
}

// "✕ ", "⚠️ ", "> ": decoration a CLI puts before the error.
const LEADING_SYMBOLS = /^[^\w[{<"'`]+/u;

const STATUS_PHRASE =
  '(?: (?:bad request|unauthorized|forbidden|not found|too many requests|internal server error|service unavailable|bad gateway|gateway time-?out|unprocessable entity|payment required))?';

// Each wrapper names its layer by its first group, or by `STATUS`'s status: `status 429`.
// A class: "litellm.RateLimitError: ", "openai.BadRequestError: ", "OpenrouterException - ",
// "Azure.RequestFailedException: ", "google.genai.errors.ClientError: ".
const CLASS = /^((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception))(?::| -| –)\s*/;
// A bracketed label: "[GoogleGenerativeAI Error]: ", "[ERROR] ", "[429 Too Many Requests] ".
const BRACKETED = /^\[([^\][{}]{1,40})\]:?\s*/;
// "Error: ", "API Error: ", "LLM API error (attempt 1/3): ".
const ERROR_LABEL =
  /^((?:(?:llm |api |http |request |runtime |uncaught |fatal )*)error)(?: \([^)]{0,30}\))?:\s*/i;
// "Error code: 429 - ", "HTTP 404: ", "Status: 500. ", "429 - ", "429 Too Many Requests: ", "400 {…}".
const STATUS = new RegExp(
  `^(?:error code|http(?: error)?|status(?: code)?)?:?\\s*([2-5]\\d\\d)\\b${STATUS_PHRASE}(?:\\s*[-:.,]\\s*|\\s(?=[{[])|\\s+(?=\\S))`,
  'i',
);
// Clients and gateways naming whom they called: Codex "OpenAI rejected the request (request ID: …). Error
// details: ", Go clients "non 200 response from openai: ", @google/generative-ai "Error fetching from <url>: ",
// OpenRouter "Upstream error from AtlasCloud: ", relays "Request failed: PROVIDER_ERROR: provider returned 402: ".
const REJECTED = /^([\w .-]{1,40}? rejected the request)\b(?: \([^)]*\))?\.?(?: error details:)?\s*/i;
const NON_200 =
  /^(non[- ]?200 (?:status |response |status code )*(?:(?:from|received from) [^\s:{]*)?):?\s*/i;
const PHRASE =
  /^(error fetching from \S+?|upstream error from [\w .-]{1,40}?|request failed|provider_error):\s*/i;
const PROVIDER_RETURNED = /^provider returned (?:status )?([2-5]\d\d):\s*/i;
const ERROR_HEAD = /error(?: \([^)]*\))?$/i;
const STATUS_HEAD = /^(?:error code|http|status)\b/i;

/**
 * The outermost wrapper at the start of a text, its layer's name in group 1 (a status: `status N`). Each
 * shape is tried only where the text's start can be one.
 */
function wrapperAt(text: string): RegExpExecArray | null {
  const first = text.charCodeAt(0);
  if (first === 91 /* [ */) return BRACKETED.exec(text);
  if (first >= 48 && first <= 57) return statusAt(text);
  const colon = text.indexOf(':');
  const dash = text.indexOf(' - ');
  const headEnd = colon < 0 ? dash : dash < 0 ? colon : Math.min(colon, dash);
  // A wrapper's head is a label of a few words ("API Error", "Error fetching from https"); a longer one is
  // the message's own sentence ("Rate limit reached for gpt-4o … (TPM): Limit 30000").
  if (headEnd > 0 && headEnd < 64 && fewWords(text, headEnd)) {
    const head = text.slice(0, headEnd).trimEnd();
    const named =
      head.endsWith('Error') || head.endsWith('Exception')
        ? (CLASS.exec(text) ?? ERROR_LABEL.exec(text))
        : ERROR_HEAD.test(head)
          ? ERROR_LABEL.exec(text)
          : STATUS_HEAD.test(head)
            ? statusAt(text)
            : null;
    if (named) return named;
    const phrase = PHRASE.exec(text);
    if (phrase) return phrase;
    const returned = PROVIDER_RETURNED.exec(text);
    if (returned) {
      returned[1] = `status ${returned[1]}`;
      return returned;
    }
  }
  if (first === 110 || first === 78 /* n N */) {
    const non200 = NON_200.exec(text);
    if (non200) return non200;
  }
  const rejected = text.indexOf(' rejected the request');
  return rejected > 0 && rejected <= 40 ? REJECTED.exec(text) : null;
}

function fewWords(text: string, end: number): boolean {
  let spaces = 0;
  for (let i = text.indexOf(' '); i >= 0 && i < end; i = text.indexOf(' ', i + 1))
    if (++spaces > 4) return false;
  return true;
}

/** A status wrapper, its group 1 made the layer's name (`status 429`). */
function statusAt(text: string): RegExpExecArray | null {
  const m = STATUS.exec(text);
  if (m) m[1] = `status ${m[1]}`;
  return m;
}

const MESSAGE_KEYS = ['error', 'message', 'detail', 'msg', 'error_message', 'errorMessage', 'description'];

/** The innermost human message of a body; a message that is itself a quoted body adds a layer. */
function messageOf(value: unknown, layers: string[], depth: number): string | undefined {
  if (depth > 6 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return messageOf(value[0], layers, depth + 1);
  const o = value as Record<string, unknown>;
  for (const key of MESSAGE_KEYS) {
    const v = o[key];
    if (typeof v === 'string' && v.trim()) {
      if (/^\s*[[{]/.test(v)) {
        const nested = findEmbedded(v);
        if (nested && 'value' in nested) {
          layers.push(`${nested.form} in a string`);
          return messageOf(nested.value, layers, depth + 1) ?? v;
        }
      }
      return v;
    }
    if (v && typeof v === 'object') {
      const inner = messageOf(v, layers, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

const LABEL = /(?:^|[\s,;(])(status|code|type|message|reason|error type)\s*:\s*/gi;
const ANY_LABEL = /(?:status|code|type|message|reason): /i;
const EMPTY_VALUES = /^(?:|unknown|none|null|n\/a|undefined|-)$/i;

/**
 * A body printed as labelled fields: Codex "Error details: Status: 400, Code: unknown, Type:
 * invalid_request_error, Message: …", or "(Status: 500, Code: , Type: )". Two labels at least, so that a
 * sentence with one colon in it is not taken for one; a message runs to the end.
 */
function labelledFields(text: string): Record<string, string> | undefined {
  if (!ANY_LABEL.test(text)) return undefined;
  const marks = [...text.matchAll(LABEL)];
  if (marks.length < 2) return undefined;
  const fields: Record<string, string> = {};
  marks.forEach((m, i) => {
    const name = m[1]!.toLowerCase().replace(' ', '_');
    const from = m.index + m[0].length;
    const to = name === 'message' ? text.length : (marks[i + 1]?.index ?? text.length);
    const value = text
      .slice(from, to)
      .replace(/[\s,;)]+$/, '')
      .trim();
    if (!EMPTY_VALUES.test(value)) fields[name] ??= value;
  });
  return Object.keys(fields).length ? fields : undefined;
}

const SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
const TAG = /<[^>]*>/g;
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&nbsp;': ' ',
};

/** An HTML error page's words (title, headings, text), without its scripts and styles. */
function htmlWords(html: string): string {
  return html
    .replace(SCRIPT_OR_STYLE, ' ')
    .replace(TAG, ' ')
    .replace(/&(?:amp|lt|gt|quot|nbsp|#39|#x27);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, ' ')
    .trim();
}
