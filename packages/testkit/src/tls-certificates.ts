import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeWithThisProcess } from './child-reaper.ts';

/** PEM files: a private CA, and a certificate and key it signed. */
export interface TestCertificates {
  dir: string;
  /** The CA's certificate: what a client that should trust `cert` is given. */
  ca: string;
  /** For localhost and 127.0.0.1, usable by a server and as a client certificate. */
  cert: string;
  key: string;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/**
 * A throw-away CA and a certificate it signed for localhost, made with the openssl CLI (P-256 keys,
 * valid for a day), in a temporary directory removed when the test process exits. Two calls give
 * two unrelated CAs: one's certificate is untrusted by the other's.
 */
export function makeTestCertificates(name = 'faultline-test'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), `${name}-tls-`));
  removeWithThisProcess(dir);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    ...['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1'],
    ...['-subj', `/CN=${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  openssl(dir, ['req', ...ec, '-keyout', 'key.pem', '-out', 'cert.csr', '-subj', '/CN=localhost']);
  // No extendedKeyUsage: the same certificate serves Redis and, where Redis asks for one, a client.
  writeFileSync(
    join(dir, 'cert.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n',
  );
  openssl(dir, [
    ...['x509', '-req', '-in', 'cert.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', 'cert.pem', '-days', '1', '-extfile', 'cert.ext'],
  ]);
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}
