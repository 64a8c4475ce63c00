import { embeddedJson, statusInText } from './embedded.ts';

/** Everything the rules look at, pulled out of whatever was thrown or received. */
export interface Signals {
  status: number | null;
  /** Where the status came from: a structured field, or only a number found in text. */
  statusFromText: boolean;
  headers: Record<string, string>;
  /** Provider codes, types, google.rpc statuses and reasons, exception names, Node codes. */
  codes: Set<string>;
  /** All human text found (messages, bodies, causes), lower-cased for matching. */
  text: string;
  /** The most specific human message, original case. */
  message: string;
  nodeCode: string | null;
  /** Class names met on the way (`RateLimitError`, `APIConnectionError`, `TypeError` …). */
  names: string[];
  requestId: string | null;
  /** The error arrived with an SDK error but no body at all (the `openai` SDK drops bodies without an `error` key). */
  emptyBody: boolean;
  providerCode: string | null;
  providerType: string | null;
}

const NODE_CODE = /^(?:E[A-Z_]{3,}|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)$/;
const MAX_TEXT = 20_000;

interface Walk {
  sig: Signals;
  texts: string[];
  seen: Set<unknown>;
}

function addText(w: Walk, text: string): void {
  if (!text || w.texts.length > 40) return;
  w.texts.push(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
}

function addCode(w: Walk, value: unknown, field: 'code' | 'type' | 'other'): void {
  if (typeof value === 'number' && field === 'code' && value >= 200 && value < 600) {
    // A body's numeric `code` is the (upstream) status; the outer status still wins.
    if (w.sig.status === null) w.sig.status = value;
    return;
  }
  if (typeof value !== 'string' || !value || value.length > 120) return;
  w.sig.codes.add(value.toLowerCase());
  if (NODE_CODE.test(value) && !w.sig.nodeCode) w.sig.nodeCode = value;
  if (field === 'code' && !w.sig.providerCode && !NODE_CODE.test(value) && !/^\d+$/.test(value))
    w.sig.providerCode = value;
  if (field === 'type' && !w.sig.providerType && value !== 'error') w.sig.providerType = value;
}

function readHeaders(w: Walk, headers: unknown): void {
  if (!headers || typeof headers !== 'object') return;
  const into = w.sig.headers;
  try {
    if (
      typeof (headers as Headers).forEach === 'function' &&
      typeof (headers as Headers).get === 'function'
    ) {
      (headers as Headers).forEach((v, k) => {
        into[k.toLowerCase()] ??= String(v);
      });
      return;
    }
    for (const [k, v] of Object.entries(headers))
      if (v !== undefined && v !== null) into[k.toLowerCase()] ??= String(v);
  } catch {}
}

/** A response body: JSON value, text, HTML. Gateways nest upstream bodies as JSON strings. */
function walkBody(w: Walk, body: unknown, depth: number): void {
  if (body === null || body === undefined || depth > 8 || w.seen.has(body)) return;
  if (typeof body === 'string') {
    const trimmed = body.trim();
    const nested = trimmed.startsWith('{') || trimmed.startsWith('[') ? embeddedJson(trimmed) : undefined;
    if (nested !== undefined) walkBody(w, nested, depth + 1);
    else addText(w, body);
    return;
  }
  if (typeof body !== 'object') return;
  w.seen.add(body);
  if (Array.isArray(body)) {
    for (const item of body.slice(0, 20)) walkBody(w, item, depth + 1);
    return;
  }
  const o = body as Record<string, unknown>;
  addCode(w, o.code, 'code');
  addCode(w, o.type, 'type');
  addCode(w, o.status, 'other');
  addCode(w, o.reason, 'other');
  addCode(w, o.__type, 'type');
  addCode(w, o.error_code, 'code');
  if (typeof o.raw_status_code === 'number') addCode(w, o.raw_status_code, 'code');
  if (typeof o.quotaId === 'string') addText(w, o.quotaId);
  if (typeof o.retryDelay === 'string') w.sig.headers['x-google-retry-delay'] ??= o.retryDelay;
  for (const key of [
    'message',
    'detail',
    'details',
    'error',
    'errors',
    'msg',
    'error_message',
    'description',
    'metadata',
    'raw',
    'violations',
  ]) {
    if (key in o) walkBody(w, o[key], depth + 1);
  }
  if (!w.sig.requestId && typeof o.request_id === 'string') w.sig.requestId = o.request_id;
}

function walkError(w: Walk, value: unknown, depth: number): void {
  if (value === null || value === undefined || depth > 8 || w.seen.has(value)) return;
  if (typeof value === 'string') {
    walkText(w, value);
    return;
  }
  if (typeof value !== 'object') {
    if (typeof value === 'number' || typeof value === 'boolean') addText(w, String(value));
    return;
  }
  w.seen.add(value);
  const e = value as Record<string, unknown>;
  const ctorName = (value as object).constructor?.name;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : ctorName;
  if (name && name !== 'Object') w.sig.names.push(name);

  for (const s of [
    e.status,
    e.statusCode,
    e.status_code,
    (e.response as Record<string, unknown> | undefined)?.status,
  ]) {
    if (typeof s === 'number' && s >= 200 && s < 600 && w.sig.status === null) w.sig.status = s;
  }
  readHeaders(w, e.headers);
  readHeaders(w, (e.response as Record<string, unknown> | undefined)?.headers);
  if (typeof e.requestID === 'string' && !w.sig.requestId) w.sig.requestId = e.requestID;

  addCode(w, e.code, 'code');
  addCode(w, e.type, 'type');
  addCode(w, e.errno, 'other');
  // The openai SDK words a body it could not read (JSON without an `error` key) as "(no body)".
  if (typeof e.message === 'string' && /^\d{3} status code \(no body\)$/.test(e.message))
    w.sig.emptyBody = true;
  walkBody(w, e.error, depth + 1);
  walkBody(w, e.body, depth + 1);
  walkBody(w, (e.response as Record<string, unknown> | undefined)?.data, depth + 1);
  if (typeof e.message === 'string') walkText(w, e.message);
  walkError(w, e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors.slice(0, 10)) walkError(w, inner, depth + 1);
}

/** A message: keep it, and read the status and JSON body it may quote. */
function walkText(w: Walk, text: string): void {
  addText(w, text);
  if (w.sig.status === null) {
    const s = statusInText(text);
    if (s !== null) {
      w.sig.status = s;
      w.sig.statusFromText = true;
    }
  }
  const json = embeddedJson(text);
  if (json !== undefined) walkBody(w, json, 1);
  const nodeCode =
    /\b(E(?:CONN(?:RESET|REFUSED|ABORTED)|NOTFOUND|AI_AGAIN|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE)|UND_ERR_[A-Z_]+)\b/.exec(
      text,
    );
  if (nodeCode && !w.sig.nodeCode) w.sig.nodeCode = nodeCode[1]!;
}

export function extractSignals(input: unknown): Signals {
  const sig: Signals = {
    status: null,
    statusFromText: false,
    headers: {},
    codes: new Set(),
    text: '',
    message: '',
    nodeCode: null,
    names: [],
    requestId: null,
    emptyBody: false,
    providerCode: null,
    providerType: null,
  };
  const w: Walk = { sig, texts: [], seen: new Set() };
  // A raw response `{ status, headers, body }` from a provider without an SDK.
  const raw = input as Record<string, unknown> | null;
  if (
    raw &&
    typeof raw === 'object' &&
    !(raw instanceof Error) &&
    typeof raw.status === 'number' &&
    'body' in raw
  ) {
    sig.status = raw.status;
    readHeaders(w, raw.headers);
    walkBody(w, raw.body, 0);
  } else {
    walkError(w, input, 0);
  }
  sig.requestId ??=
    sig.headers['x-request-id'] ?? sig.headers['request-id'] ?? sig.headers['apim-request-id'] ?? null;
  sig.text = w.texts.join('\n').toLowerCase();
  sig.message = pickMessage(w.texts);
  return sig;
}

const GENERIC =
  /^(?:error|unknown error|bad request|provider returned error|not found|\d{3} status code \(no body\))$/i;

/** The first specific text reads best; gateways often lead with a generic line of their own. */
function pickMessage(texts: string[]): string {
  const plain = texts.filter((t) => !/^\s*[[{]/.test(t));
  return plain.find((t) => !GENERIC.test(t.trim())) ?? plain[0] ?? texts[0] ?? '';
}
