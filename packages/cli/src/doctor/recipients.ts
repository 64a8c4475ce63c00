import type { AlerterConfig } from '@faultline/alerter-worker/config';
import { type CheckLine, fail, ok, skip, warn } from './check.ts';

/** Addresses of .env.example and of documentation domains (RFC 2606): nobody reads their mail. */
export function isExampleAddress(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return (
    domain === 'localhost' ||
    /(^|\.)example\.(com|org|net)$/.test(domain) ||
    /\.(example|invalid|test|localhost)$/.test(domain)
  );
}

/** ALERT_TO_EMAILS and ALERT_FROM_EMAIL are not still the examples a fresh install starts with. */
export function recipientLines(cfg: AlerterConfig | undefined, skipped: string): CheckLine[] {
  if (!cfg) return [skip('ALERT_TO_EMAILS', skipped)];
  if (!cfg.ENABLE_EMAIL_ALERTS)
    return [skip('ALERT_TO_EMAILS', 'e-mail alerts are off (ENABLE_EMAIL_ALERTS=false)')];
  const sending = Boolean(cfg.SMTP_HOST);
  const examples = cfg.ALERT_TO_EMAILS.filter(isExampleAddress);
  const to = cfg.ALERT_TO_EMAILS.join(', ');
  let toLine: CheckLine;
  if (!examples.length) toLine = ok('ALERT_TO_EMAILS', to);
  else if (sending)
    toLine = fail(
      'ALERT_TO_EMAILS',
      `${examples.join(', ')} ${examples.length === 1 ? 'is an example address' : 'are example addresses'}: nobody reads ${examples.length === 1 ? 'it' : 'them'}; set ALERT_TO_EMAILS to the on-call addresses`,
    );
  else
    toLine = warn(
      'ALERT_TO_EMAILS',
      `still the example ${to}: fine for the local mailbox (SMTP_HOST unset); set ALERT_TO_EMAILS to the on-call addresses before relying on alerts`,
    );
  const from = cfg.ALERT_FROM_EMAIL;
  const fromLine = !isExampleAddress(from)
    ? ok('ALERT_FROM_EMAIL', from)
    : sending
      ? warn(
          'ALERT_FROM_EMAIL',
          `${from} is an example address: relays often refuse or file it as spam; set ALERT_FROM_EMAIL to an address of your domain`,
        )
      : ok('ALERT_FROM_EMAIL', `${from} (only the local mailbox sees it while SMTP_HOST is unset)`);
  return [toLine, fromLine];
}
