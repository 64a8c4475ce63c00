import { readFileSync } from 'node:fs';
import type { AlerterConfig } from '@faultline/alerter-worker/config';
import { smtpTls, smtpTlsAdvice } from '@faultline/alerter-worker/smtp-tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { type CheckLine, fail, ok, skip, warn } from './check.ts';

const TIMEOUT_MS = 4000;

type SmtpError = SMTPConnection.SMTPError;

/** The server's answer (its code first), without the password should a relay echo what it was sent. */
function said(error: SmtpError, cfg: AlerterConfig): string {
  const text = (error.response ?? `${error.code ?? ''} ${error.message}`).trim();
  return cfg.SMTP_PASSWORD ? text.split(cfg.SMTP_PASSWORD).join('***') : text;
}

/**
 * Connects to the SMTP server, upgrades with STARTTLS when it offers it (or fails where TLS is
 * required), and logs in when SMTP_USERNAME is set, then QUITs: the checks a delivery makes before
 * MAIL FROM, so no mail is sent.
 */
export async function smtpLines(cfg: AlerterConfig | undefined, skipped: string): Promise<CheckLine[]> {
  const name = 'SMTP';
  if (!cfg) return [skip(name, skipped)];
  if (!cfg.ENABLE_EMAIL_ALERTS) return [skip(name, 'e-mail alerts are off (ENABLE_EMAIL_ALERTS=false)')];
  if (!cfg.SMTP_HOST)
    return [
      skip(name, `SMTP_HOST unset: alert mails are written to ${cfg.MAILBOX_DIR} (MAILBOX_DIR), not sent`),
    ];
  const server = `${cfg.SMTP_HOST}:${cfg.SMTP_PORT}`;
  const conn = new SMTPConnection({
    host: cfg.SMTP_HOST,
    port: cfg.SMTP_PORT,
    ...smtpTls(cfg, (path) => readFileSync(path, 'utf8')),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  // nodemailer reports a failed connection, TLS upgrade or timeout as an event, not to the callback.
  const failed = new Promise<never>((_, reject) => conn.on('error', reject));
  failed.catch(() => {});
  const step = <T>(run: (done: (value: T) => void) => void) => Promise.race([new Promise<T>(run), failed]);
  const passed: string[] = [];
  try {
    try {
      await step<void>((done) => conn.connect(() => done()));
    } catch (error) {
      const e = error as SmtpError;
      const advice = smtpTlsAdvice(e, cfg);
      if (advice) return [fail(name, advice)];
      return [fail(name, `cannot connect to ${server} (${said(e, cfg)}): check SMTP_HOST and SMTP_PORT`)];
    }
    passed.push(`${server}: connected`);
    const tlsState = cfg.SMTP_SECURE
      ? 'TLS from the start (SMTP_SECURE)'
      : conn.secure
        ? 'STARTTLS offered and used'
        : null;
    if (tlsState) passed.push(tlsState);
    if (cfg.SMTP_USERNAME) {
      if (!conn.allowsAuth)
        return [
          fail(
            name,
            `${passed.join(', ')}; the server offers no AUTH, so SMTP_USERNAME cannot log in: unset it or use the server's submission port`,
          ),
        ];
      const refused = await step<Error | null>((done) =>
        conn.login({ user: cfg.SMTP_USERNAME!, pass: cfg.SMTP_PASSWORD ?? '' }, done),
      ).catch((error: Error) => error);
      if (refused) {
        const e = refused as SmtpError;
        return [
          fail(
            name,
            `${passed.join(', ')}; login as ${cfg.SMTP_USERNAME} refused (${said(e, cfg)}): check SMTP_USERNAME and SMTP_PASSWORD`,
          ),
        ];
      }
      passed.push(`login as ${cfg.SMTP_USERNAME} accepted`);
    }
    const detail = `${passed.join(', ')} (no mail sent)`;
    if (!tlsState)
      return [
        warn(
          name,
          `${detail}; the server offers no STARTTLS, so alert mails go in plaintext: set SMTP_REQUIRE_TLS=true to refuse that`,
        ),
      ];
    return [ok(name, detail)];
  } finally {
    conn.quit();
    conn.close();
  }
}
