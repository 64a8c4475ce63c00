import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyError } from '@faultline/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cappedFetch, RESPONSE_TOO_LARGE } from '../src/light-fetch.ts';

const CAP = 64 * 1024;
const CHUNK = Buffer.alloc(16 * 1024, 'x');
let server: Server;
let base: string;
/** Bytes each endless answer got onto the wire before the client hung up. */
const written = new Map<string, number>();

/** Writes `CHUNK`s for as long as the client reads: an answer with no end (a 2 GB error page). */
function endless(path: string, res: import('node:http').ServerResponse) {
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && res.write(CHUNK)) sent += CHUNK.length;
    written.set(path, sent);
  };
  res.on('drain', pump);
  res.on('close', () => written.set(path, sent));
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const path = req.url ?? '';
    if (path.includes('/endless-ok')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices":[{"message":{"content":"');
      return endless(path, res);
    }
    if (path.includes('/endless-429')) {
      res.writeHead(429, { 'content-type': 'text/html', 'retry-after': '7' });
      return endless(path, res);
    }
    if (path.includes('/declared')) {
      // Says 1 GB is coming, sends nothing: refused on its word, nothing read.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
      res.flushHeaders();
      return;
    }
    if (path.includes('/endless-stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return endless(path, res);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sdkAt = (path: string) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: `${base}${path}`, maxRetries: 0, fetch: cappedFetch(CAP) });
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('a provider answer over PROVIDER_RESPONSE_MAX_BYTES is cut off and classified, not buffered', () => {
  it('an endless 200 answer fails as a server error (502, response_too_large) once past the cap', async () => {
    const error = await sdkAt('/endless-ok')
      .chat.completions.create(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const classified = classifyError(error, { provider: 'openai', model: 'm' });
    expect(classified).toMatchObject({
      category: 'server_error',
      statusCode: 502,
      providerCode: RESPONSE_TOO_LARGE,
      isRetryable: true,
    });
    expect(classified.message).toMatch(/over PROVIDER_RESPONSE_MAX_BYTES \(65536 bytes/);
    // Read up to the cap and one chunk more, then the socket was dropped: nowhere near "everything".
    const read = Number(/; (\d+) bytes read/.exec((error as Error).message)?.[1]);
    expect(read).toBeGreaterThan(CAP);
    expect(read).toBeLessThanOrEqual(CAP + 256 * 1024);
  });

  it('an endless error page keeps its status and headers: a 429 is still a rate limit with its retry-after', async () => {
    const error = await sdkAt('/endless-429')
      .chat.completions.create(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const classified = classifyError(error, { provider: 'openai', model: 'm' });
    expect(classified).toMatchObject({ category: 'rate_limit', statusCode: 429, retryAfterMs: 7000 });
  });

  it('an answer whose content-length is over the cap is refused before its body is read', async () => {
    const res = await cappedFetch(CAP)(`${base}/declared`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(RESPONSE_TOO_LARGE);
    expect(body.error.message).toMatch(/; 0 bytes read/);
  });

  it('an event stream that goes past the cap errors its reader', async () => {
    const res = await cappedFetch(CAP)(`${base}/endless-stream`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let total = 0;
    const read = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        total += value.length;
      }
    };
    await expect(read()).rejects.toMatchObject({ code: RESPONSE_TOO_LARGE });
    expect(total).toBeLessThanOrEqual(CAP);
  });
});
