/**
 * The SMTP server of bench/chaos.ts: a real smtp-server on a fixed local port that keeps every mail
 * with the moment it was accepted, and whose outage is a hard one.
 *
 * Unlike services/alerter-worker/test/support/smtp-sink.ts, stop() does not let open connections
 * keep accepting mail for smtp-server's close timeout (30 s): the alerter's pooled connections would
 * carry on as if nothing happened. Here stop() closes the listener (new connections are refused) and
 * answers 421 on every open connection at once, as a relay going down for maintenance does.
 */
import { decodeWords, plainText } from '@faultline/testkit';
import { SMTPServer } from 'smtp-server';

export interface ChaosMail {
  /** Date.now() when the server had the whole message (just before it answered 250). */
  receivedAt: number;
  subject: string;
  messageId: string;
  /** X-Faultline-Notification: the alerter's notification id. */
  notification: string;
  /** X-Faultline-Group: the group's fingerprint. */
  group: string;
  text: string;
}

export interface ChaosSmtp {
  port: number;
  mails: ChaosMail[];
  up: boolean;
  /** Refuses new connections and drops the open ones (421) at once. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startChaosSmtp(): Promise<ChaosSmtp> {
  const mails: ChaosMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;
  let up = false;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        // A hard outage: open connections get 421 right away instead of 30 s more of service.
        closeTimeout: 1,
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
                ?.replace(/\r?\n[ \t]/g, ' ')
                .trim() ?? '';
            mails.push({
              receivedAt: Date.now(),
              subject: decodeWords(header('Subject')),
              messageId: header('Message-ID'),
              notification: header('X-Faultline-Notification'),
              group: header('X-Faultline-Group'),
              text: plainText(raw),
            });
            cb();
          });
        },
      });
      s.on('error', () => {});
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.server.address() as { port: number }).port;
        server = s;
        up = true;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    mails,
    get up() {
      return up;
    },
    async stop() {
      const s = server;
      server = undefined;
      up = false;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (!server) await open();
    },
  };
}
