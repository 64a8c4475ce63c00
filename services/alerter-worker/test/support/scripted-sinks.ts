import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { SMTPServer } from 'smtp-server';

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Request {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/**
 * An HTTP endpoint whose every answer is scripted (status, headers such as Retry-After or
 * X-Sentry-Rate-Limits, body), recording each request with its time: a webhook, Slack or Sentry
 * DSN stand-in for the retry tests. Answers 200 once the script has nothing to say.
 */
export async function startScriptedHttpSink(
  script: (req: { n: number; path: string }) => Answer | undefined,
) {
  const requests: Request[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let buf = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') buf = gunzipSync(buf);
      const answer = script({ n: requests.length, path: req.url ?? '/' }) ?? {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"id":"ok"}',
      };
      requests.push({
        at,
        path: req.url ?? '/',
        headers: req.headers,
        body: buf.toString('utf8'),
        status: answer.status,
      });
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    requests,
    /** Requests it accepted (2xx). */
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    /** Sentry events in the envelopes it accepted. */
    sentryEvents(): Record<string, unknown>[] {
      const events: Record<string, unknown>[] = [];
      for (const r of requests) {
        if (r.status !== 200 || !r.path.includes('/envelope/')) continue;
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

/** A real SMTP server that refuses every recipient with `code text` (550: the mailbox does not exist). */
export async function startRejectingSmtp(code: number, text: string) {
  let rcpts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, cb) {
      rcpts++;
      cb(Object.assign(new Error(text), { responseCode: code }));
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as { port: number }).port,
    get rcpts() {
      return rcpts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
