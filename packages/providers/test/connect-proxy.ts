import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/** What a corporate proxy saw of one request: the tunnel's target, or an absolute URI it forwarded. */
export interface ProxiedRequest {
  method: 'CONNECT' | string;
  /** host:port for CONNECT, the absolute URI otherwise. */
  target: string;
  proxyAuthorization: string | undefined;
}

export interface TestProxy {
  /** http://127.0.0.1:PORT, or with `user:pass@` when it asks for credentials. */
  url: string;
  port: number;
  seen: ProxiedRequest[];
  close(): Promise<void>;
}

const closeServer = (server: { close(cb: () => void): void }, sockets: Set<Socket>) =>
  new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });

/**
 * A forward proxy as companies run them: CONNECT tunnels for https://, absolute-URI forwarding for
 * http://, and with `credentials` ("user:pass") a 407 to any request without matching Basic auth.
 */
export async function startConnectProxy(opts: { credentials?: string } = {}): Promise<TestProxy> {
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected = opts.credentials ? `Basic ${Buffer.from(opts.credentials).toString('base64')}` : undefined;
  const allowed = (auth: string | undefined) => !expected || auth === expected;

  const server = createServer((req, res) => {
    const auth = req.headers['proxy-authorization'];
    seen.push({ method: req.method ?? 'GET', target: req.url ?? '', proxyAuthorization: auth });
    if (!allowed(auth)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const { 'proxy-authorization': _, 'proxy-connection': __, ...headers } = req.headers;
    const upstream = request(req.url!, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const auth = req.headers['proxy-authorization'];
    seen.push({ method: 'CONNECT', target: req.url ?? '', proxyAuthorization: auth });
    client.on('error', () => client.destroy());
    if (!allowed(auth)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const [host, port] = [
      req.url!.slice(0, req.url!.lastIndexOf(':')),
      req.url!.slice(req.url!.lastIndexOf(':') + 1),
    ];
    const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const drop = () => {
      upstream.destroy();
      client.destroy();
      sockets.delete(upstream);
    };
    upstream.on('error', drop).on('close', drop);
    client.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.credentials ? `${opts.credentials}@` : ''}127.0.0.1:${port}`,
    port,
    seen,
    close: () => closeServer(server, sockets),
  };
}

/**
 * TLS in front of a plain-HTTP server (the provider simulator), with a certificate for localhost and
 * 127.0.0.1 from a throw-away CA: a provider a client trusts only when given that CA.
 */
export async function startTlsFront(
  targetPort: number,
  certs: { cert: string; key: string },
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTlsServer(
    { cert: readFileSync(certs.cert), key: readFileSync(certs.key) },
    (secure) => {
      const plain = connect(targetPort, '127.0.0.1');
      sockets.add(secure).add(plain);
      const drop = () => {
        secure.destroy();
        plain.destroy();
        sockets.delete(secure);
        sockets.delete(plain);
      };
      secure.on('error', drop).on('close', drop);
      plain.on('error', drop).on('close', drop);
      secure.pipe(plain).pipe(secure);
    },
  );
  // A client that refuses the certificate hangs up during the handshake: nothing to report.
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server, sockets) };
}
