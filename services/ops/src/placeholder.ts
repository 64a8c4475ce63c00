/**
 * Why a configured secret is not one: the placeholders our own manifests ship (infra/k8s/config.yaml
 * `replace-me-with-at-least-16-characters`), the usual stand-ins (`change-me`, `<token>`, `${TOKEN}`),
 * bare words, and strings of too few distinct characters. A token everyone can read in this repository
 * is no credential (OWASP A07, no default credentials). Null when the value may be a secret.
 */
export function placeholderProblem(value: string): string | null {
  const word = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (STAND_INS.some((s) => word.includes(s)) || /^<.*>$|^\$\{.*\}$|^\$[A-Z_]+$/.test(value.trim()))
    return 'is a placeholder, not a secret';
  if (BARE_WORDS.has(word)) return 'is a well-known word, not a secret';
  if (new Set(value).size < 6) return 'has too few distinct characters to be a secret';
  return null;
}

const STAND_INS = [
  'replaceme',
  'changeme',
  'changeit',
  'changethis',
  'placeholder',
  'fillmein',
  'yourtoken',
  'yourpassword',
  'yoursecret',
  'insertyour',
  'putyour',
  'atleast16characters',
];
const BARE_WORDS = new Set([
  'password',
  'passw0rd',
  'secret',
  'token',
  'admin',
  'opstoken',
  'opspassword',
  'faultline',
  'example',
  'default',
  'letmein',
  'qwerty',
  '12345678',
  '123456789',
  '1234567890',
  '1234567890123456',
]);
