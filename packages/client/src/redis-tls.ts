import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from './config-error.ts';

/** The settings that shape a rediss:// connection; every connection of every service reads them. */
export const REDIS_TLS_SETTINGS = ['REDIS_TLS_CA', 'REDIS_TLS_CERT', 'REDIS_TLS_KEY'] as const;

const isTls = (url: string) => /^rediss:/i.test(url);

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError([
      {
        variable,
        message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}): give a PEM file`,
      },
    ]);
  }
}

/**
 * The `tls` options of a connection to `url`: for rediss://, Node's trusted CAs or REDIS_TLS_CA's,
 * and a client certificate when Redis asks for one (`tls-auth-clients yes`, its default). Certificates
 * are always verified: there is no setting to turn that off. For redis:// it is undefined, and a
 * REDIS_TLS_* setting is refused, since whoever set it meant TLS and would otherwise get plain text.
 */
export function redisTlsOptions(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions | undefined {
  const set = REDIS_TLS_SETTINGS.filter((name) => env[name]);
  if (!isTls(url)) {
    if (set.length)
      throw new ConfigError(
        set.map((variable) => ({
          variable,
          message: 'set, but REDIS_URL is redis:// (plain TCP): use rediss:// for TLS',
        })),
      );
    return undefined;
  }
  const { REDIS_TLS_CA: ca, REDIS_TLS_CERT: cert, REDIS_TLS_KEY: key } = env;
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigError([
      {
        variable: cert ? 'REDIS_TLS_KEY' : 'REDIS_TLS_CERT',
        message: 'required with REDIS_TLS_CERT and REDIS_TLS_KEY: give both or neither',
      },
    ]);
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca: readPem('REDIS_TLS_CA', ca) } : {}),
    ...(cert && key ? { cert: readPem('REDIS_TLS_CERT', cert), key: readPem('REDIS_TLS_KEY', key) } : {}),
  };
}

/** Node's codes for a server certificate no trusted CA vouches for. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** What to do about a failed TLS connection to Redis, naming the setting; null when it is not one. */
export function redisTlsAdvice(error: unknown): string | null {
  const { code, message = '' } = (error ?? {}) as { code?: string; message?: string };
  if (code && UNTRUSTED.has(code))
    return (
      "Redis's TLS certificate is not signed by a trusted CA: set REDIS_TLS_CA to the PEM file of the CA " +
      'that signed it (never turn verification off)'
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return "Redis's TLS certificate does not name the host in REDIS_URL: connect by a name the certificate lists";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return "Redis's TLS certificate is outside its validity period: renew it (or check this machine's clock)";
  if (/certificate required|alert number 116|handshake failure/i.test(message))
    return 'Redis asks for a client certificate: set REDIS_TLS_CERT and REDIS_TLS_KEY to PEM files it trusts';
  return null;
}
