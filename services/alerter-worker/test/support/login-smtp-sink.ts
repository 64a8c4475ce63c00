import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server that offers STARTTLS (smtp-server's own self-signed certificate) and checks a
 * login, keeping the raw mails. The first `refusals` logins are refused with a temporary 454 whose
 * text is `refusal`, as a relay that echoes what it was sent would, so a delivery fails, is retried
 * and then gets through.
 */
export async function startLoginSmtpSink(opts: {
  username: string;
  password: string;
  refusals?: number;
  refusal?: string;
}) {
  const mails: string[] = [];
  let refusals = opts.refusals ?? 0;
  const server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (refusals > 0) {
        refusals--;
        return cb(Object.assign(new Error(opts.refusal ?? 'try again later'), { responseCode: 454 }));
      }
      if (auth.username === opts.username && auth.password === opts.password) return cb(null, { user: 'ok' });
      cb(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        raw += d;
      });
      stream.on('end', () => {
        mails.push(raw);
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as { port: number }).port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
