import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A local HTTP endpoint that records what it is sent and can be told to fail: the Sentry DSN
 * stand-in (envelopes at /api/<project>/envelope/) and webhook receivers.
 */
export async function startHttpSink() {
  const received: Received[] = [];
  let failWith: number | null = null;
  // Requests answered, failed ones included: a retry shows here even while nothing is received.
  let attempts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (failWith !== null) {
        res.writeHead(failWith).end('down');
        return;
      }
      let buf = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') buf = gunzipSync(buf);
      received.push({ path: req.url ?? '/', headers: req.headers, body: buf.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    /** A DSN whose ingest host is this sink. */
    dsn: `http://publickey@127.0.0.1:${(server.address() as { port: number }).port}/42`,
    received,
    get attempts() {
      return attempts;
    },
    fail(status: number | null) {
      failWith = status;
    },
    /** Sentry events in the received envelopes. */
    sentryEvents(): Record<string, unknown>[] {
      const events: Record<string, unknown>[] = [];
      for (const r of received) {
        if (!r.path.includes('/envelope/')) continue;
        const lines = r.body.split('\n');
        for (let i = 1; i + 1 < lines.length; i += 2) {
          const item = JSON.parse(lines[i]!);
          if (item.type === 'event') events.push(JSON.parse(lines[i + 1]!));
        }
      }
      return events;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
