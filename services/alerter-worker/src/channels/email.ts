import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertHtml, alertSubject, alertText, headerSafe, type Notification } from '@faultline/core';
import nodemailer from 'nodemailer';
import type { AlerterConfig } from '../config.ts';
import { permanentFailure } from '../delivery-retry.ts';
import type { AlertChannel } from './channel.ts';
import { buildMime } from './mime.ts';
import { smtpTls, smtpTlsAdvice } from './smtp-tls.ts';

function message(cfg: AlerterConfig, n: Notification): string {
  return buildMime({
    from: cfg.ALERT_FROM_EMAIL,
    to: cfg.ALERT_TO_EMAILS,
    subject: alertSubject(n, cfg.ALERT_SUBJECT_PREFIX),
    text: alertText(n),
    html: alertHtml(n),
    // Threads a group's mails together in mail clients.
    headers: { 'X-Faultline-Group': headerSafe(n.fingerprint), 'X-Faultline-Notification': headerSafe(n.id) },
    messageId: `<${headerSafe(n.id)}@faultline>`,
  });
}

/** SMTP when SMTP_HOST is set; otherwise a local mailbox of .eml files, so a fresh install shows what it would send. */
export function emailChannel(cfg: AlerterConfig): AlertChannel {
  if (!cfg.SMTP_HOST) {
    mkdirSync(cfg.MAILBOX_DIR, { recursive: true });
    return {
      name: 'email',
      target: 'email',
      async deliver(n) {
        // The file name is the notification id: a retried delivery overwrites, never duplicates.
        writeFileSync(join(cfg.MAILBOX_DIR, `${n.id}.eml`), message(cfg, n));
      },
      async close() {},
    };
  }
  const transport = nodemailer.createTransport({
    host: cfg.SMTP_HOST,
    port: cfg.SMTP_PORT,
    ...smtpTls(cfg, (path) => readFileSync(path, 'utf8')),
    ...(cfg.SMTP_USERNAME ? { auth: { user: cfg.SMTP_USERNAME, pass: cfg.SMTP_PASSWORD } } : {}),
    pool: true,
    // Each SMTP transaction is several round trips: connections, not CPU, bound the mails per second.
    maxConnections: cfg.SMTP_MAX_CONNECTIONS,
    // Reconnecting every 100 messages (the default) shows up as latency spikes under load.
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: cfg.DELIVERY_TIMEOUT,
    greetingTimeout: cfg.DELIVERY_TIMEOUT,
    socketTimeout: cfg.DELIVERY_TIMEOUT,
  });
  const envelope = { from: cfg.ALERT_FROM_EMAIL, to: cfg.ALERT_TO_EMAILS };
  return {
    name: 'email',
    target: 'email',
    async deliver(n) {
      try {
        await transport.sendMail({ envelope, raw: message(cfg, n) });
      } catch (error) {
        // Settings to change, not a refusal of this mail: retried, so it goes out once they are fixed.
        const advice = smtpTlsAdvice(error, cfg);
        if (advice) throw new Error(advice);
        // A 5xx is the server refusing this mail for good (RFC 5321): asking again changes nothing.
        const code = (error as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500 && code < 600)
          throw permanentFailure(`SMTP server answered ${code}: ${(error as Error).message}`);
        throw error;
      }
    },
    async close() {
      transport.close();
    },
  };
}
