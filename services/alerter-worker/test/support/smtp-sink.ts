import { decodeWords } from '@faultline/testkit';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  subject: string;
  messageId: string;
  text: string;
  /** The mail came over TLS (STARTTLS or a TLS port). */
  secure: boolean;
}

export interface SmtpSinkOptions {
  /** A certificate: STARTTLS is offered with it, or, with `secure`, spoken from the start (port 465 style). */
  tls?: { key: string; cert: string; secure?: boolean };
  /** Offers AUTH without TLS, as a server behind an attacker who strips STARTTLS would. */
  authInPlaintext?: boolean;
}

/** A real SMTP server on a fixed local port that can go down and come back, keeping what it received. */
export async function startSmtpSink(port = 0, options: SmtpSinkOptions = {}) {
  const mails: ReceivedMail[] = [];
  /** Every AUTH the server was sent, and whether TLS protected it. */
  const logins: { user: string; secure: boolean }[] = [];
  const { tls, authInPlaintext = false } = options;
  let server: SMTPServer | undefined;
  let boundPort = port;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = new SMTPServer({
        authOptional: true,
        ...(tls
          ? { key: tls.key, cert: tls.cert, secure: tls.secure ?? false }
          : { disabledCommands: ['STARTTLS'] }),
        allowInsecureAuth: authInPlaintext,
        logger: false,
        onAuth: (auth, session, cb) => {
          logins.push({ user: auth.username ?? '', secure: Boolean(session.secure) });
          cb(null, { user: 'test' });
        },
        onData(stream, session, cb) {
          let raw = '';
          stream.setEncoding('utf8');
          stream.on('data', (d: string) => {
            raw += d;
          });
          stream.on('end', () => {
            const header = (name: string) =>
              new RegExp(`^${name}: (.*(?:\\r?\\n[ \\t].*)*)`, 'im')
                .exec(raw)?.[1]
                ?.replace(/\r?\n[ \t]/g, ' ') ?? '';
            mails.push({
              raw,
              subject: decodeWords(header('Subject')),
              messageId: header('Message-ID'),
              text: raw,
              secure: Boolean(session.secure),
            });
            cb();
          });
        },
      });
      server.on('error', () => {});
      server.listen(boundPort, '127.0.0.1', () => {
        boundPort = (server!.server.address() as { port: number }).port;
        resolve();
      });
      server.server.once('error', reject);
    });
  await open();
  return {
    get port() {
      return boundPort;
    },
    mails,
    logins,
    async stop() {
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    start: open,
  };
}
