import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type Category, classifyError, explainClassification } from '../src/index.ts';

/**
 * Issue 15, requirement 2: text that survives transport classifies as its payload would. Each payload is
 * one provider answer; each transport is a way real clients and gateways were seen to hand it on. Every
 * payload, every transport: the same category.
 */

interface Payload {
  status: number;
  body: { error: Record<string, unknown> };
  category: Category;
}

const openaiError = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
});

const PAYLOADS: Record<string, Payload> = {
  'a quota spent': {
    status: 429,
    body: openaiError(
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs.',
      'insufficient_quota',
      'insufficient_quota',
    ),
    category: 'billing_quota',
  },
  'a bad key': {
    status: 401,
    body: openaiError(
      "Incorrect API key provided: sk-abc***xyz. You can find your API key at the dashboard's key page.",
      'invalid_request_error',
      'invalid_api_key',
    ),
    category: 'authentication',
  },
  'a per-minute limit': {
    status: 429,
    body: openaiError(
      'Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
      'requests',
      'rate_limit_exceeded',
    ),
    category: 'rate_limit',
  },
  'an unknown model': {
    status: 404,
    body: openaiError(
      'The model `gpt-9-turbo` does not exist or you do not have access to it.',
      'invalid_request_error',
      'model_not_found',
    ),
    category: 'model_error',
  },
  'a prompt too long': {
    status: 400,
    body: openaiError(
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens. Please reduce the length of the messages.",
      'invalid_request_error',
      'context_length_exceeded',
    ),
    category: 'invalid_request',
  },
  'a provider failure': {
    status: 500,
    body: openaiError(
      "The server had an error while processing your request. Sorry about that! You can retry your request, or contact us if it doesn't stop.",
      'server_error',
      null,
    ),
    category: 'server_error',
  },
};

/** A Python `repr` of a JSON value, as Python clients print a body: single quotes unless the text holds one. */
function pythonRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.includes("'") ? JSON.stringify(value) : `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value as object).map(([k, v]) => `'${k}': ${pythonRepr(v)}`);
  return `{${entries.join(', ')}}`;
}

/** Re-wrapped as a terminal does: lines of `width`, each after the first indented. */
function rewrap(text: string, width: number, indent = '    '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

const CLASS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  404: 'NotFoundError',
  429: 'RateLimitError',
  500: 'InternalServerError',
};

type Transport = (p: Payload) => unknown;

const message = (p: Payload) => String(p.body.error.message);

const TRANSPORTS: Record<string, Transport> = {
  'as the SDK throws it': (p) => OpenAI.APIError.generate(p.status, p.body, undefined, new Headers()),
  'as a raw response': (p) => ({ status: p.status, headers: {}, body: p.body }),
  'printed by a Python client (repr dict)': (p) =>
    new Error(`openai.${CLASS[p.status]}: Error code: ${p.status} - ${pythonRepr(p.body)}`),
  'wrapped by LiteLLM': (p) =>
    new Error(
      `litellm.${CLASS[p.status]}: ${CLASS[p.status]}: OpenAIException - ${JSON.stringify(p.body)}. Received Model Group=gpt-4o\nAvailable Model Group Fallbacks=None`,
    ),
  'as JSON escaped inside a string': (p) => new Error(`Error: ${JSON.stringify(JSON.stringify(p.body))}`),
  'as JSON inside a gateway body field': (p) => ({
    status: p.status,
    headers: {},
    body: { error: { message: JSON.stringify(p.body, null, 2), code: p.status, status: 'Bad Request' } },
  }),
  'by Codex: "OpenAI rejected the request", re-wrapped': (p) =>
    new Error(
      rewrap(
        `⚠️  OpenAI rejected the request (request ID: req_123). Error details: Status: ${p.status}, Code: ${p.body.error.code ?? 'unknown'}, Type: ${p.body.error.type}, Message: ${p.status} ${message(p)}. Please verify your settings and try again.`,
        72,
      ),
    ),
  'by a Go client: "non 200 response from …"': (p) =>
    new Error(`non 200 response from api.openai.com: ${p.status} ${JSON.stringify(p.body)}`),
  're-wrapped over indented lines': (p) =>
    new Error(rewrap(`Error code: ${p.status} - ${JSON.stringify(p.body)}`, 50)),
  'truncated mid-body': (p) => {
    const text = `Error code: ${p.status} - ${pythonRepr(p.body)}`;
    return new Error(`${text.slice(0, Math.round(text.length * 0.8))}…`);
  },
  'inside an HTML error page': (p) =>
    new Error(
      `Error: <!DOCTYPE html><html><head><title>${p.status} Error</title><style>body { font: 12px sans-serif }</style><script>var timeout = 30; function retry() {}</script></head><body><h1>Error ${p.status}</h1><p>${message(p).replace(/'/g, '&#39;')}</p><!-- served by the edge --></body></html>`,
    ),
};

describe('the same payload, however transport wrapped it, classifies the same', () => {
  const table = Object.entries(PAYLOADS).flatMap(([payload, p]) =>
    Object.entries(TRANSPORTS).map(([transport, wrap]) => [payload, transport, p, wrap] as const),
  );
  it.each(table)('%s, %s', (_payload, _transport, p, wrap) => {
    expect(classifyError(wrap(p), { provider: 'openai' }).category).toBe(p.category);
  });
});

describe('the unwrap step names the layers it peeled and recovers the payload inside', () => {
  const quota = PAYLOADS['a quota spent']!;
  const signals = (input: unknown) => explainClassification(input, { provider: 'openai' }).signals;

  it.each([
    ['printed by a Python client (repr dict)', ['openai.InternalServerError', 'status 500', 'python-repr']],
    ['wrapped by LiteLLM', ['litellm.RateLimitError', 'RateLimitError', 'OpenAIException', 'json']],
    ['as JSON escaped inside a string', ['Error', 'escaped-json']],
    ['as JSON inside a gateway body field', ['json in a string']],
    [
      'by Codex: "OpenAI rejected the request", re-wrapped',
      ['rewrapped', 'OpenAI rejected the request', 'fields'],
    ],
    [
      'by a Go client: "non 200 response from …"',
      ['non 200 response from api.openai.com', 'status 429', 'json'],
    ],
    ['truncated mid-body', ['status 429', 'truncated']],
    ['inside an HTML error page', ['html']],
  ])('%s', (transport, layers) => {
    const input = TRANSPORTS[transport]!(transport.startsWith('printed') ? { ...quota, status: 500 } : quota);
    const s = signals(input);
    for (const layer of layers) expect(s.layers).toContain(layer);
    expect(s.unwrapped).toContain('You exceeded your current quota');
  });

  it("reads the payload's code, type and status, not only its words", () => {
    const s = signals(TRANSPORTS['as JSON escaped inside a string']!(quota));
    expect(s.providerCode).toBe('insufficient_quota');
    expect(s.codes).toContain('insufficient_quota');
    const go = signals(TRANSPORTS['by a Go client: "non 200 response from …"']!(quota));
    expect(go.status).toBe(429);
    expect(go.statusFromText).toBe(true);
  });

  it('reads a truncated body for the fields it still shows', () => {
    const s = signals(
      new Error(`Error code: 429 - {'error': {'code': 'insufficient_quota', 'message': 'You exc`),
    );
    expect(s.codes).toContain('insufficient_quota');
    expect(s.status).toBe(429);
  });

  it('reads a Python repr whose strings hold the other quote', () => {
    const s = signals(
      new Error(`Error code: 403 - {'code': 'denied', 'error': "Your team doesn't have any credits yet."}`),
    );
    expect(s.layers).toContain('python-repr');
    expect(s.unwrapped).toBe("Your team doesn't have any credits yet.");
  });

  it("reads an HTML page's words, not its script", () => {
    const page = {
      status: 503,
      headers: {},
      body: '<html><head><script>setTimeout(function () { location.reload() }, 5000)</script></head><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
    };
    const s = signals(page);
    expect(s.text).not.toContain('settimeout');
    expect(s.text).toContain('503 service temporarily unavailable');
    expect(classifyError(page, { provider: 'openai' }).category).toBe('server_error');
  });

  it('finds the body past brackets and quotes in the prose before it', () => {
    const s = signals(
      new Error(
        `[agent's retry 2/3] call failed for /v1/{deployment}/chat: {"error": {"code": "insufficient_quota", "message": "Quota spent."}}`,
      ),
    );
    expect(s.codes).toContain('insufficient_quota');
  });

  it('leaves plain text as it is: no layers', () => {
    const s = signals(new Error('Overloaded'));
    expect(s.layers).toEqual([]);
    expect(s.unwrapped).toBe('Overloaded');
  });
});
