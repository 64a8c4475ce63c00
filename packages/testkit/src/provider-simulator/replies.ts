import type { IncomingMessage, ServerResponse } from 'node:http';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An object goes out as JSON; a string as-is, text/plain unless the headers name a type (HTML error pages). */
export function sendAsScripted(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (typeof body === 'string') {
    const typed = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    res.writeHead(status, typed ? headers : { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  } else if (body === undefined || body === null) {
    res.writeHead(status, headers);
    res.end();
  } else {
    sendJson(res, status, body, headers);
  }
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
