import { plainText } from '@faultline/testkit';
import { pino } from 'pino';
import { startAlerter } from '../../../services/alerter-worker/src/alerter.ts';
import { AlerterConfig } from '../../../services/alerter-worker/src/config.ts';
import { alerterEnv } from '../../../services/alerter-worker/test/support/alerter-env.ts';
import { startSmtpSink } from '../../../services/alerter-worker/test/support/smtp-sink.ts';

export const silent = pino({ level: 'silent' });

/**
 * One Faultline deployment's alerting: the real alerter on `prefix`, mailing a real SMTP server.
 * What a person reads is `mails`.
 */
export async function alertingOn(redisUrl: string, prefix: string) {
  const smtp = await startSmtpSink();
  const { env } = alerterEnv(redisUrl, prefix, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    LOG_LEVEL: 'silent',
  });
  const alerter = startAlerter(AlerterConfig.parse(env), silent);
  return {
    mails: smtp.mails,
    async close() {
      await alerter.close();
      await smtp.stop();
    },
  };
}

/** The lines of an alert a person compares: everything but when it happened and how often. */
export function alertLines(mail: { subject: string; raw: string }): string[] {
  const wanted = /^(ALERT|Severity|Provider|Model|Message|Original Error|Details|Status|Reason|Source): /;
  return [
    `Subject: ${mail.subject}`,
    ...plainText(mail.raw)
      .split('\n')
      .filter((l) => wanted.test(l)),
  ];
}
