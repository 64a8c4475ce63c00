/**
 * Secrets as they leak: each shape is a value (what must never be seen again) and the text that
 * carries it, as a provider, gateway, proxy or producer writes it. Values are drawn from a seeded
 * generator, so they look random (no word of theirs appears elsewhere) and are the same every run.
 */

export interface SecretShape {
  id: string;
  name: string;
  value: string;
  /** The value in the words around it, as it reaches Faultline. */
  leak: string;
}

function seeded(seed: string) {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return () => {
    h = Math.imul(h ^ (h >>> 15), 2246822507) ^ Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return (h >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64URL = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;

/** `n` characters of `alphabet`, drawn from `seed`; always holds a digit and a letter, as real keys do. */
export function draw(seed: string, n: number, alphabet = ALNUM): string {
  const next = seeded(seed);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  const letter = [...alphabet].find((c) => /[a-z]/i.test(c));
  return `${out.slice(0, -2)}7${letter}`;
}

const shape = (id: string, name: string, value: string, leak: (v: string) => string): SecretShape => ({
  id,
  name,
  value,
  leak: leak(value),
});

/** 46 shapes: provider keys by prefix, keys without one in a key/value place, tokens, webhook URLs, passwords in URLs. */
export const SHAPES: SecretShape[] = [
  shape('S01', 'OpenAI legacy key', `sk-${draw('s01', 48)}`, (v) => `Incorrect API key provided: ${v}.`),
  shape('S02', 'OpenAI project key', `sk-proj-${draw('s02', 64, B64URL)}`, (v) => `key ${v} is disabled`),
  shape('S03', 'OpenAI service-account key', `sk-svcacct-${draw('s03', 48, B64URL)}`, (v) => `used ${v}`),
  shape(
    'S04',
    'OpenAI admin key',
    `sk-admin-${draw('s04', 48, B64URL)}`,
    (v) => `admin key ${v} lacks scope`,
  ),
  shape('S05', 'Anthropic key', `sk-ant-api03-${draw('s05', 86, B64URL)}AA`, (v) => `invalid x-api-key ${v}`),
  shape('S06', 'Anthropic admin key', `sk-ant-admin01-${draw('s06', 86, B64URL)}AA`, (v) => `(${v})`),
  shape('S07', 'OpenRouter key', `sk-or-v1-${draw('s07', 64, HEX)}`, (v) => `upstream rejected ${v}`),
  shape('S08', 'DeepSeek key', `sk-${draw('s08', 32, HEX)}`, (v) => `Authentication Fails (${v})`),
  shape('S09', 'Groq key', `gsk_${draw('s09', 52)}`, (v) => `Invalid API Key: ${v}`),
  shape('S10', 'xAI key', `xai-${draw('s10', 80)}`, (v) => `Incorrect API key provided: ${v}`),
  shape(
    'S11',
    'Google API key',
    `AIza${draw('s11', 35, B64URL)}`,
    (v) => `Consumer 'api_key:${v}' has been suspended.`,
  ),
  shape('S12', 'Hugging Face token', `hf_${draw('s12', 34)}`, (v) => `token ${v} has no access`),
  shape('S13', 'Replicate token', `r8_${draw('s13', 37)}`, (v) => `bad token: ${v}`),
  shape('S14', 'Perplexity key', `pplx-${draw('s14', 48)}`, (v) => `key=${v}`),
  shape('S15', 'Fireworks key', `fw_${draw('s15', 24)}`, (v) => `The API key ${v} is invalid`),
  shape('S16', 'NVIDIA key', `nvapi-${draw('s16', 64, B64URL)}`, (v) => `with ${v}`),
  shape('S17', 'Cerebras key', `csk-${draw('s17', 48)}`, (v) => `Wrong API Key ${v}`),
  shape('S18', 'Mistral key as api_key=', draw('s18', 32), (v) => `request api_key=${v} rejected`),
  shape('S19', 'Cohere key as JSON apiKey', draw('s19', 40), (v) => `{"apiKey": "${v}"}`),
  shape('S20', 'Together key as Bearer', draw('s20', 64, HEX), (v) => `Authorization: Bearer ${v}`),
  shape('S21', 'x-api-key header', draw('s21', 40), (v) => `x-api-key: ${v}`),
  shape('S22', 'Azure OpenAI api-key header', draw('s22', 32, HEX), (v) => `api-key: ${v}`),
  shape(
    'S23',
    'Azure subscription key header',
    draw('s23', 32, HEX),
    (v) => `Ocp-Apim-Subscription-Key: ${v}`,
  ),
  shape('S24', 'key in gateway prose', draw('s24', 40), (v) => `Received API Key = ${v}`),
  shape(
    'S25',
    'Basic credentials',
    Buffer.from(`svc:${draw('s25', 20)}`).toString('base64'),
    (v) => `Authorization: Basic ${v}`,
  ),
  shape(
    'S26',
    'JWT (Vertex bearer)',
    `eyJhbGciOiJSUzI1NiJ9.${draw('s26a', 60, B64URL)}.${draw('s26b', 80, B64URL)}`,
    (v) => `token ${v} expired`,
  ),
  shape('S27', 'Google OAuth token', `ya29.a0${draw('s27', 120, B64URL)}`, (v) => `Bad credentials ${v}`),
  shape('S28', 'GitHub classic token', `ghp_${draw('s28', 36)}`, (v) => `using ${v}`),
  shape('S29', 'GitHub OAuth token', `gho_${draw('s29', 36)}`, (v) => `(${v})`),
  shape(
    'S30',
    'GitHub fine-grained token',
    `github_pat_11${draw('s30a', 20, UPPER)}_${draw('s30b', 59)}`,
    (v) => `with ${v}`,
  ),
  shape(
    'S31',
    'Slack webhook URL',
    draw('s31', 24),
    (v) =>
      `POST https://hooks.slack.com/services/T${draw('s31t', 10, UPPER)}/B${draw('s31b', 11, UPPER)}/${v} failed`,
  ),
  shape(
    'S32',
    'Slack bot token',
    `xoxb-${draw('s32a', 12, HEX)}-${draw('s32b', 13, HEX)}-${draw('s32c', 24)}`,
    (v) => `as ${v}`,
  ),
  shape(
    'S33',
    'AWS access key id',
    `AKIA${draw('s33', 16, UPPER)}`,
    (v) => `The security token ${v} is invalid`,
  ),
  shape('S34', 'AWS STS key id', `ASIA${draw('s34', 16, UPPER)}`, (v) => `expired ${v}`),
  shape('S35', 'AWS secret key', draw('s35', 40, B64), (v) => `aws_secret_access_key = ${v}`),
  shape(
    'S36',
    'password in a redis URL',
    draw('s36', 24),
    (v) => `connect ECONNREFUSED redis://default:${v}@cache.internal:6379`,
  ),
  shape('S37', 'password in an smtp URL', draw('s37', 20), (v) => `smtp://alerts:${v}@smtp.example.com:587`),
  shape(
    'S38',
    'password in an https URL',
    draw('s38', 20),
    (v) => `proxy https://svc:${v}@proxy.example.com/v1`,
  ),
  shape(
    'S39',
    'Gemini ?key= parameter',
    draw('s39', 39),
    (v) => `POST /v1beta/models/x:generateContent?key=${v}&alt=sse`,
  ),
  shape('S40', 'password=', draw('s40', 16), (v) => `login password=${v} refused`),
  shape('S41', 'OAuth client_secret', draw('s41', 32), (v) => `{"client_secret": "${v}"}`),
  shape('S42', 'refreshToken (camelCase)', draw('s42', 40), (v) => `refreshToken: ${v}`),
  shape(
    'S43',
    'private key of a service account',
    draw('s43', 64, B64),
    (v) => `-----BEGIN PRIVATE KEY-----\n${v}\n-----END PRIVATE KEY-----`,
  ),
  shape('S44', 'Google OAuth client secret', `GOCSPX-${draw('s44', 28, B64URL)}`, (v) => `client ${v}`),
  shape(
    'S45',
    'Discord webhook URL',
    draw('s45', 68, B64URL),
    (v) => `https://discord.com/api/webhooks/123456789012345678/${v}`,
  ),
  shape(
    'S46',
    'Azure storage AccountKey',
    draw('s46', 86, B64),
    (v) => `AccountName=acct;AccountKey=${v}==;EndpointSuffix=core.windows.net`,
  ),
];

/** A value's end: a redaction that keeps a key's tail still leaks it. */
export const tailOf = (value: string) => value.slice(-12);
