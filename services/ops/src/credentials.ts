import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What an `Authorization` header proves: nothing sent, the right secret, or a wrong one. */
export type Verdict = 'none' | 'ok' | 'wrong';

export interface Accepted {
  /** Bearer tokens, each of which is enough. */
  tokens: string[];
  basic?: { username: string; password: string };
}

// Digests of one fixed length make the comparison's time independent of where, and whether in
// length, the given value differs; the key makes them useless outside this process.
const KEY = randomBytes(32);
const digest = (value: string) => createHmac('sha256', KEY).update(value).digest();
const same = (given: Buffer, expected: Buffer) => timingSafeEqual(given, expected);

/** Checks a header against accepted credentials, comparing every candidate in constant time. */
export function credentialsChecker(accepted: Accepted): (header: string | undefined) => Verdict {
  const tokens = accepted.tokens.map(digest);
  const basic = accepted.basic && {
    username: digest(accepted.basic.username),
    password: digest(accepted.basic.password),
  };
  return (header) => {
    if (!header) return 'none';
    const [scheme = '', ...rest] = header.trim().split(/\s+/);
    const value = rest.join(' ');
    if (/^bearer$/i.test(scheme) && tokens.length) {
      const given = digest(value);
      // Every token is compared, so the time does not tell which one (or whether any) matched.
      return tokens.map((t) => same(given, t)).includes(true) ? 'ok' : 'wrong';
    }
    if (/^basic$/i.test(scheme) && basic) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = digest(colon < 0 ? decoded : decoded.slice(0, colon));
      const pass = digest(colon < 0 ? '' : decoded.slice(colon + 1));
      // Both compared before either is looked at: a short-circuit would time the username alone.
      const userOk = same(user, basic.username);
      const passOk = same(pass, basic.password);
      return userOk && passOk ? 'ok' : 'wrong';
    }
    return 'wrong';
  };
}
