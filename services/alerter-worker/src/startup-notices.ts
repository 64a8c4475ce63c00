import type { AlerterConfig } from './config.ts';

export interface StartupNotice {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

/** What an operator should know about this configuration, logged once at start (no secret in any). */
export function startupNotices(cfg: AlerterConfig): StartupNotice[] {
  const notices: StartupNotice[] = [];
  if (!cfg.SMTP_HOST && cfg.ENABLE_EMAIL_ALERTS)
    notices.push({
      level: 'info',
      fields: { dir: cfg.MAILBOX_DIR },
      message: 'no SMTP_HOST: e-mails go to the local mailbox',
    });
  if (cfg.SMTP_HOST && cfg.ENABLE_EMAIL_ALERTS && cfg.SMTP_TLS_INSECURE)
    notices.push({
      level: 'warn',
      fields: { host: cfg.SMTP_HOST, port: cfg.SMTP_PORT },
      message:
        "SMTP_TLS_INSECURE=true: the SMTP server's certificate is not checked; anyone on the path can read every alert and the SMTP password, or accept mail and drop it (set SMTP_TLS_CA instead)",
    });
  if (!cfg.SENTRY_ENABLED)
    notices.push({
      level: 'info',
      fields: {},
      message: 'Sentry is off (set SENTRY_ENABLED=true and SENTRY_DSN to forward events)',
    });
  // Receivers cannot tell these posts from forged ones; the URLs may carry tokens, so only their count.
  if (cfg.WEBHOOK_URLS.length && !cfg.WEBHOOK_SECRET)
    notices.push({
      level: 'warn',
      fields: { webhooks: cfg.WEBHOOK_URLS.length },
      message: 'WEBHOOK_SECRET is not set: webhook posts go out unsigned (no X-Faultline-Signature)',
    });
  return notices;
}
