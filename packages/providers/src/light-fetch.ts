import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { LightResponse } from './light-response.ts';

/**
 * The SDKs' transport. On Node 20 the global `fetch` costs about 500 µs of CPU per call (web
 * streams, Request/Response objects); undici's `request` does the same HTTP for about 150 µs, which
 * is most of what a busy generation worker spends (measured in bench/generation.ts). The SDKs only
 * need a `fetch`-shaped function, so this one speaks `request` and hands back a real `Response`.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });

/** What undici takes: a Headers as it is (it iterates pairs), pairs as a record (it reads arrays flat). */
function undiciHeaders(headers: RequestInit['headers']): Headers | Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return headers;
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

export async function lightFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: undiciHeaders(init.headers),
    body: (init.body ?? undefined) as string | Buffer | undefined,
    signal: init.signal ?? undefined,
    dispatcher: agent,
  });
  const status = res.statusCode;
  const sse = String(res.headers['content-type'] ?? '').includes('text/event-stream');
  // The hot path, a successful JSON answer, skips fetch's WebIDL-checked Headers and Response.
  if (status >= 200 && status < 300 && status !== 204 && !sse && init.method !== 'HEAD')
    return new LightResponse(status, res.headers, url, Buffer.from(await res.body.arrayBuffer())) as never;
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  if (status === 204 || status === 304 || init.method === 'HEAD') {
    res.body.resume();
    return new Response(null, { status, headers });
  }
  // Streams (SSE) stay streams; anything else is read whole, which is cheaper than a web stream.
  const body = sse ? (Readable.toWeb(res.body) as ReadableStream<Uint8Array>) : await res.body.arrayBuffer();
  return new Response(body, { status, headers });
}
