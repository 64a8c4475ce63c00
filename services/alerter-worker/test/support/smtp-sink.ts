import { decodeWords } from '@faultline/testkit';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  subject: string;
  messageId: string;
  text: string;
}

/** A real SMTP server on a fixed local port that can go down and come back, keeping what it received. */
export async function startSmtpSink(port = 0) {
  const mails: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let boundPort = port;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth: (_auth, _session, cb) => cb(null, { user: 'test' }),
        onData(stream, _session, cb) {
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
    async stop() {
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    start: open,
  };
}
