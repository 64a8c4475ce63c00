import { statusInText } from './embedded.ts';
import { amazonErrorType, readHeaders, requestIdIn } from './headers.ts';
import { readTextMarks } from './text-marks.ts';
import { peelTransport } from './unwrap.ts';

/** Everything the rules look at, pulled out of whatever was thrown or received. */
export interface Signals {
  status: number | null;
  /** The status was only found as a number in a text, not in a structured field. */
  statusFromText: boolean;
  headers: Record<string, string>;
  /** Lower-cased provider codes, types, google.rpc statuses and reasons, AWS exception names. */
  codes: Set<string>;
  /** Lower-cased class names met on the way, thrown or quoted in text (`ratelimiterror`, `apiconnectionerror`). */
  kinds: Set<string>;
  /**
   * All human text found (messages, bodies, causes), lower-cased, one text a line, as transport left it once
   * peeled (unwrap.ts): HTML pages reduced to their words, re-wrapped lines joined, runs of spaces made one.
   */
  text: string;
  /** The most specific human message, original case. */
  message: string;
  /** The payload's own words once its wrappers are peeled (original case); the message when nothing was peeled. */
  unwrapped: string;
  /** The transport layers peeled off the texts, outermost first (`litellm.RateLimitError`, `status 429`, `python-repr` …). */
  layers: string[];
  nodeCode: string | null;
  /** Class names of the thrown objects, outermost first (`RateLimitError`, `TypeError` …). */
  names: string[];
  requestId: string | null;
  /** An SDK error with no body: the `openai` SDK drops JSON bodies that lack an `error` key. */
  emptyBody: boolean;
  providerCode: string | null;
  providerType: string | null;
}

const NODE_CODE = /^(?:E[A-Z_]{3,}|UND_ERR_[A-Z_]+|ERR_[A-Z_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)$/;
const SDK_MESSAGE = /^\d{3} /;
// The openai SDK words a body it could not read (JSON without an `error` key) this way.
const EMPTY_BODY = /^\d{3} status code \(no body\)$/;
const MAX_TEXT = 20_000;
const MAX_TEXTS = 40;
const MAX_DEPTH = 8;
const MAX_LAYERS = 16;
const BODY_FORMS = new Set(['json', 'python-repr', 'escaped-json']);

interface Walk {
  sig: Signals;
  texts: string[];
  /** The inner words of the first text that had wrappers (Signals.unwrapped). */
  unwrapped: string;
  /** Sentences found in code fields (xAI's `code`), kept after the messages. */
  late: string[];
  seen: Set<unknown>;
}

function addText(w: Walk, text: string): void {
  if (!text || w.texts.length >= MAX_TEXTS) return;
  w.texts.push(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
}

function setStatus(w: Walk, value: unknown): void {
  if (w.sig.status === null && typeof value === 'number' && value >= 200 && value < 600) w.sig.status = value;
}

/** A `code`/`type`/`status`/`reason` field: a code when it looks like one, else text (xAI puts sentences in `code`). */
function addCode(w: Walk, value: unknown, field: 'code' | 'type' | 'other'): void {
  if (typeof value === 'number') {
    // A body's numeric `code` is the (upstream) status; an outer status still wins.
    if (field === 'code') setStatus(w, value);
    return;
  }
  if (typeof value !== 'string' || !value || value.length > 200) return;
  if (/\s/.test(value)) {
    // Read after the body's own message, which says more ("The caller does not have permission…" vs why).
    w.late.push(value);
    return;
  }
  const sig = w.sig;
  sig.codes.add(value.toLowerCase());
  if (NODE_CODE.test(value)) {
    sig.nodeCode ??= value;
    return;
  }
  if (/^\d+$/.test(value)) {
    if (field === 'code') setStatus(w, Number(value));
    return;
  }
  if (field === 'code') sig.providerCode ??= value;
  else if (field === 'type' && value !== 'error') sig.providerType ??= value;
  // google.rpc statuses ("RESOURCE_EXHAUSTED") name the error when no code does.
  else if (field === 'other' && /^[A-Z][A-Z_]+$/.test(value)) sig.providerType ??= value;
}

const BODY_TEXT_KEYS = new Set([
  'message',
  'detail',
  'details',
  'error',
  'errors',
  'msg',
  'error_message',
  'errorMessage',
  'description',
  'metadata',
  'raw',
  'violations',
  'innererror',
  'Message',
]);

/** A response body: JSON value, text, HTML. Gateways nest upstream bodies as JSON strings. */
function walkBody(w: Walk, body: unknown, depth: number): void {
  if (body === null || body === undefined || depth > MAX_DEPTH) return;
  if (typeof body === 'string') {
    // Gateways nest upstream bodies as JSON strings; walkText finds them.
    walkText(w, body, false, depth + 1, true);
    return;
  }
  if (typeof body !== 'object' || w.seen.has(body)) return;
  w.seen.add(body);
  if (Array.isArray(body)) {
    for (const item of body.slice(0, 20)) walkBody(w, item, depth + 1);
    return;
  }
  const o = body as Record<string, unknown>;
  addCode(w, o.code, 'code');
  addCode(w, o.error_code, 'code');
  addCode(w, o.errorCode, 'code');
  addCode(w, o.__type, 'code');
  addCode(w, o.type, 'type');
  addCode(w, o.status, 'other');
  addCode(w, o.reason, 'other');
  if (typeof o.status === 'number') setStatus(w, o.status);
  if (typeof o.raw_status_code === 'number') setStatus(w, o.raw_status_code);
  // Gemini's QuotaFailure says which quota ran out ("…PerDay…-FreeTier"): billing or speed hangs on it.
  if (typeof o.quotaId === 'string') addText(w, o.quotaId);
  if (typeof o.retryDelay === 'string') w.sig.headers['x-google-retry-delay'] ??= o.retryDelay;
  for (const key in o) if (BODY_TEXT_KEYS.has(key)) walkBody(w, o[key], depth + 1);
  if (typeof o.request_id === 'string') w.sig.requestId ??= o.request_id;
}

function walkError(w: Walk, value: unknown, depth: number): void {
  if (value === null || value === undefined || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    walkText(w, value);
    return;
  }
  if (typeof value !== 'object') {
    if (typeof value === 'number' || typeof value === 'boolean') addText(w, String(value));
    return;
  }
  if (w.seen.has(value)) return;
  w.seen.add(value);
  const e = value as Record<string, unknown>;
  const name =
    typeof e.name === 'string' && e.name !== 'Error' ? e.name : (value as object).constructor?.name;
  if (name && name !== 'Object') {
    w.sig.names.push(name);
    w.sig.kinds.add(name.toLowerCase());
    // AWS SDK v3 errors carry their exception as the name: ThrottlingException, AccessDeniedException.
    if (name.endsWith('Exception')) {
      w.sig.codes.add(name.toLowerCase());
      w.sig.providerCode ??= name;
    }
  }

  // SDK errors (status, headers, error, requestID), fetch-style (body, response), the Vercel AI SDK
  // (statusCode, responseHeaders, responseBody, data, lastError), the AWS SDK ($metadata), LangChain
  // (lc_error_code), Node (code), AggregateError (errors).
  const response = e.response as Record<string, unknown> | undefined;
  const metadata = e.$metadata as Record<string, unknown> | undefined;
  setStatus(w, e.status);
  setStatus(w, e.statusCode);
  setStatus(w, e.status_code);
  if (response && typeof response === 'object') setStatus(w, response.status);
  if (metadata && typeof metadata === 'object') {
    setStatus(w, metadata.httpStatusCode);
    if (typeof metadata.requestId === 'string') w.sig.requestId ??= metadata.requestId;
  }
  readHeaders(w.sig.headers, e.headers);
  readHeaders(w.sig.headers, e.responseHeaders);
  if (response && typeof response === 'object') readHeaders(w.sig.headers, response.headers);
  if (typeof e.requestID === 'string') w.sig.requestId ??= e.requestID;

  addCode(w, e.code, 'code');
  addCode(w, e.type, 'type');
  addCode(w, e.errorCode, 'code');
  addCode(w, e.lc_error_code, 'code');
  const message = e.message;
  if (typeof message === 'string' && EMPTY_BODY.test(message)) w.sig.emptyBody = true;
  const textsBefore = w.texts.length;
  walkBody(w, e.error, depth + 1);
  walkBody(w, e.body, depth + 1);
  walkBody(w, e.responseBody, depth + 1);
  walkBody(w, e.data, depth + 1);
  if (response && typeof response === 'object') walkBody(w, response.data, depth + 1);
  if (typeof message === 'string') {
    const bodyRead = w.texts.length > textsBefore;
    // The SDKs build their message from the body they keep ("429 Rate limit reached…", "400 {…}"): once that
    // body is read, such a message adds nothing but a second copy to scan.
    if (!bodyRead || !SDK_MESSAGE.test(message)) walkText(w, message, bodyRead);
  }
  walkError(w, e.cause, depth + 1);
  walkError(w, e.lastError, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors.slice(0, 10)) walkError(w, inner, depth + 1);
}

/** A message: peel its transport, keep it, and read the status, body, codes and class names it may quote. */
function walkText(w: Walk, full: string, bodyAlreadyRead = false, depth = 1, inField = false): void {
  const peeled = peelTransport(
    full.length > MAX_TEXT ? full.slice(0, MAX_TEXT) : full,
    !bodyAlreadyRead,
    !w.unwrapped,
  );
  const sig = w.sig;
  for (const layer of peeled.layers) {
    // A body's field holding a whole body as text (Gemini's SDK, OpenRouter's `metadata.raw`): say so.
    const named = inField && BODY_FORMS.has(layer) ? `${layer} in a string` : layer;
    if (sig.layers.length < MAX_LAYERS && !sig.layers.includes(named)) sig.layers.push(named);
  }
  if (peeled.layers.length && !w.unwrapped) w.unwrapped = peeled.inner;
  // A text that is only a body adds nothing but its syntax to scan ("type": "server_error" is not prose).
  if (peeled.bodyOnly) {
    walkBody(w, peeled.body, depth);
    return;
  }
  const text = peeled.text;
  addText(w, text);
  if (sig.status === null) {
    const s = peeled.status ?? statusInText(text);
    if (s !== null) {
      sig.status = s;
      sig.statusFromText = true;
    }
  }
  if (peeled.body) walkBody(w, peeled.body, depth);
  readTextMarks(sig, text);
}

export function extractSignals(input: unknown): Signals {
  const sig: Signals = {
    status: null,
    statusFromText: false,
    headers: {},
    codes: new Set(),
    kinds: new Set(),
    text: '',
    message: '',
    unwrapped: '',
    layers: [],
    nodeCode: null,
    names: [],
    requestId: null,
    emptyBody: false,
    providerCode: null,
    providerType: null,
  };
  const w: Walk = { sig, texts: [], unwrapped: '', late: [], seen: new Set() };
  const raw = input as Record<string, unknown> | null;
  if (
    raw &&
    typeof raw === 'object' &&
    !(raw instanceof Error) &&
    typeof raw.status === 'number' &&
    'body' in raw
  ) {
    // A raw response `{ status, headers, body }` from a provider called without an SDK.
    sig.status = raw.status;
    readHeaders(sig.headers, raw.headers);
    walkBody(w, raw.body, 0);
  } else {
    walkError(w, input, 0);
  }
  const exception = amazonErrorType(sig.headers);
  if (exception) {
    sig.codes.add(exception.toLowerCase());
    sig.providerCode ??= exception;
  }
  sig.requestId ??= requestIdIn(sig.headers);
  for (const t of w.late) addText(w, t);
  sig.text = w.texts.join('\n').toLowerCase();
  sig.message = pickMessage(w.texts);
  sig.unwrapped = w.unwrapped || sig.message;
  return sig;
}

const GENERIC =
  /^(?:error|unknown error|bad request|provider returned error|not found|internal server error|\d{3} status code \(no body\))$/i;

/** The first specific text reads best; gateways often lead with a generic line of their own. */
function pickMessage(texts: string[]): string {
  let fallback = '';
  for (const t of texts) {
    if (/^\s*[[{<]/.test(t)) continue;
    if (!GENERIC.test(t.trim())) return t;
    fallback ||= t;
  }
  return fallback || texts[0] || '';
}
