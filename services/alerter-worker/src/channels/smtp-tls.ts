import type { ConnectionOptions } from 'node:tls';
import type { AlerterConfig } from '../config.ts';

type SmtpTlsSettings = Pick<
  AlerterConfig,
  | 'SMTP_HOST'
  | 'SMTP_PORT'
  | 'SMTP_SECURE'
  | 'SMTP_REQUIRE_TLS'
  | 'SMTP_TLS_CA'
  | 'SMTP_TLS_INSECURE'
  | 'SMTP_USERNAME'
>;

export interface SmtpTls {
  secure: boolean;
  /** nodemailer's `requireTLS`: send STARTTLS even when the server does not offer it, and stop if it fails. */
  requireTLS: boolean;
  tls: ConnectionOptions;
}

/**
 * Why TLS is compulsory for this connection, or undefined when a server that does not offer
 * STARTTLS gets the mail in plaintext. nodemailer logs in whenever the server offers AUTH, TLS or not
 * (seen with nodemailer 10.6: no STARTTLS, AUTH PLAIN in the clear), so a login forces TLS: an attacker
 * who strips STARTTLS from the server's answer would otherwise read SMTP_PASSWORD.
 */
export function tlsRequiredBy(cfg: SmtpTlsSettings): string | undefined {
  if (cfg.SMTP_SECURE) return undefined;
  if (cfg.SMTP_REQUIRE_TLS) return 'SMTP_REQUIRE_TLS=true';
  if (cfg.SMTP_USERNAME) return 'SMTP_USERNAME is set, and credentials never go out in plaintext';
  return undefined;
}

/**
 * The TLS the SMTP connection insists on (S1 of the reliability review). A server that offers
 * STARTTLS always gets it, and a failed upgrade or a certificate that does not verify stops the mail
 * (nodemailer's default without `opportunisticTLS`); `requireTLS` also refuses a server that does not
 * offer it. `ca` replaces the public CAs, as curl's --cacert does: a private relay's CA is the only one
 * that should vouch for it.
 */
export function smtpTls(cfg: SmtpTlsSettings, readCa: (path: string) => string): SmtpTls {
  return {
    secure: cfg.SMTP_SECURE,
    requireTLS: tlsRequiredBy(cfg) !== undefined,
    tls: {
      rejectUnauthorized: !cfg.SMTP_TLS_INSECURE,
      minVersion: 'TLSv1.2',
      ...(cfg.SMTP_TLS_CA ? { ca: readCa(cfg.SMTP_TLS_CA) } : {}),
    },
  };
}

/** OpenSSL's and Node's codes for a certificate that does not verify (node:tls, `error.code`). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface SmtpError {
  code?: string;
  originalCode?: string;
  command?: string;
  message?: string;
}

/**
 * What an operator should do about a TLS failure, naming the settings; undefined for any other
 * error. nodemailer reports a certificate that does not verify as ESOCKET with the certificate's
 * words ("self-signed certificate"), and a refused or missing STARTTLS as ETLS on the STARTTLS command.
 */
export function smtpTlsAdvice(error: unknown, cfg: SmtpTlsSettings): string | undefined {
  const e = (error ?? {}) as SmtpError;
  const server = `SMTP server ${cfg.SMTP_HOST}:${cfg.SMTP_PORT}`;
  const codes = [e.code, e.originalCode].filter(Boolean) as string[];
  if (codes.some((c) => CERTIFICATE_CODES.has(c)) || /certificate/i.test(e.message ?? ''))
    return (
      `${server} presented a certificate that does not verify (${e.message}): ` +
      (cfg.SMTP_TLS_CA
        ? `it is not signed by the CA in SMTP_TLS_CA (${cfg.SMTP_TLS_CA}), or does not name ${cfg.SMTP_HOST}`
        : `set SMTP_TLS_CA to the PEM file of the CA that signed it, or SMTP_TLS_INSECURE=true to skip the check (lab only: anyone on the path can then read the mail and the password)`)
    );
  if (e.code === 'ETLS' && e.command === 'STARTTLS') {
    const why = tlsRequiredBy(cfg);
    return `${server} did not take STARTTLS (${e.message})${why ? `, and TLS is required because ${why}` : ''}: turn STARTTLS on at the server, or use its TLS port with SMTP_SECURE=true`;
  }
  return undefined;
}
