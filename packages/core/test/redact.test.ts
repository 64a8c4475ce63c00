import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from '../src/redact.ts';

describe('redactSecrets removes every kind of secret a provider error can quote', () => {
  it.each([
    [
      'OpenAI project key',
      'Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWx.',
      'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx',
    ],
    [
      'legacy OpenAI / DeepSeek key',
      'key sk-1234567890abcdefghijklmnop rejected',
      'sk-1234567890abcdefghijklmnop',
    ],
    [
      'Anthropic key',
      'invalid x-api-key sk-ant-api03-abcdefghijklmnopqrstu',
      'sk-ant-api03-abcdefghijklmnopqrstu',
    ],
    ['OpenRouter key', 'sk-or-v1-0123456789abcdef0123456789abcdef', 'sk-or-v1-0123456789abcdef'],
    ['Groq key', '"gsk_abcdefghijklmnopqrstuvwxyz012345"', 'gsk_abcdefghijklmnopqrstuvwxyz012345'],
    ['xAI key', 'xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'xai-AbCdEfGhIjKlMnOpQrStUvWxYz'],
    [
      'Google key',
      "Consumer 'api_key:AIzaSyA1234567890abcdefghijklmnopq' has been suspended",
      'AIzaSyA1234567890abcdefghijklmnopq',
    ],
    ['AWS access key id', 'The security token AKIAIOSFODNN7EXAMPLE is invalid', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'AWS secret in a config dump',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI',
    ],
    ['bearer token', 'Authorization: Bearer abc.def-ghi_jkl012345', 'abc.def-ghi_jkl012345'],
    ['lower-case bearer', 'authorization: bearer abcdefghijkl0123', 'abcdefghijkl0123'],
    [
      'JWT',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop expired',
      'eyJhbGciOiJIUzI1NiJ9',
    ],
    ['key= query parameter', 'GET /v1beta/models?key=hunter2secretvalue&alt=sse', 'hunter2secretvalue'],
    ['api_key= query parameter', 'https://api.example.com/v1?api_key=abc123def456', 'abc123def456'],
    [
      'JSON api_key field',
      '{"api_key": "0123456789abcdef0123456789abcdef"}',
      '0123456789abcdef0123456789abcdef',
    ],
    ['Azure api-key header', 'api-key: 0123456789abcdef0123456789abcdef', '0123456789abcdef0123456789abcdef'],
    ['password in a URL', 'redis://default:s3cretpass@cache:6379', 's3cretpass'],
    ['Hugging Face token', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz'],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/redacted/);
  });
});

describe('redactSecrets finds keys without a prefix by where they stand (review S6)', () => {
  it.each([
    ['api_key= in prose', 'request failed: api_key=Zx9ab8Cd7ef6GH5ij4KL3 rejected', 'Zx9ab8Cd7ef6GH5ij4KL3'],
    ['camelCase JSON apiKey', '{"apiKey": "mistral0123456789abcdefABCDEF"}', 'mistral0123456789abcdefABCDEF'],
    ['apiKey= without quotes', 'config apiKey=q1w2e3r4t5y6u7i8o9p0', 'q1w2e3r4t5y6u7i8o9p0'],
    ['x-api-key header, any value', 'x-api-key: co_0123456789abcdefghij', 'co_0123456789abcdefghij'],
    ['x-goog-api-key header', 'x-goog-api-key: 0123456789abcdefghijklmn', '0123456789abcdefghijklmn'],
    [
      'Azure subscription key header',
      'Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef',
      '0123456789abcdef0123456789abcdef',
    ],
    [
      'Authorization with an opaque bearer',
      'Authorization: Bearer 3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6',
      '3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6',
    ],
    ['Authorization without a scheme', 'authorization: 3f9a0c1d2e4b5a69', '3f9a0c1d2e4b5a69'],
    ['Authorization: Token', 'Authorization: Token 0123456789abcdef', '0123456789abcdef'],
    ['refreshToken (camelCase)', 'refreshToken: 1a2b3c4d5e6f7g8h', '1a2b3c4d5e6f7g8h'],
    [
      'secretAccessKey (camelCase)',
      'secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG',
    ],
    ['client_secret', 'client_secret=s3cr3t-v4lue-123', 's3cr3t-v4lue-123'],
    ['a quoted password with spaces', 'password: "correct horse battery staple"', 'horse battery'],
    [
      'an Azure storage connection string',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc123+/def456==;EndpointSuffix=x',
      'abc123+/def456==',
    ],
    [
      'a key after the word, in prose',
      'Received API Key = Zx9ab8Cd7ef6GH5ij4KL3mn2OP1qr0ST',
      'Zx9ab8Cd7ef6GH5ij4KL3',
    ],
    [
      'a token after the word, in prose',
      'invalid token 9c1d2e3f4a5b6c7d8e9f0a1b',
      '9c1d2e3f4a5b6c7d8e9f0a1b',
    ],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/redacted/);
  });
});

describe('redactSecrets knows the tokens secret scanners know (gitleaks rules)', () => {
  it.each([
    [
      'Slack incoming webhook',
      'POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx failed',
      'abcdefghijklmnopqrstuvwx',
    ],
    [
      'a Slack webhook behind a relay',
      'http://relay.internal:8080/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx',
      'abcdefghijklmnopqrstuvwx',
    ],
    [
      'Slack workflow trigger',
      'https://hooks.slack.com/triggers/T0123/4567/abcdef0123456789',
      'abcdef0123456789',
    ],
    ['Slack bot token', 'token xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp', 'AbCdEfGhIjKlMnOp'],
    [
      'Discord webhook',
      'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123',
      'AbCdEfGhIjKlMnOpQrStUvWxYz',
    ],
    ['Google OAuth access token', 'Bad credentials ya29.a0AfH6SMBx1234567890abcdefghij', 'ya29.a0AfH6SMBx'],
    ['Google OAuth client secret', 'GOCSPX-AbCdEfGhIjKlMnOpQrStUvWx', 'AbCdEfGhIjKlMnOpQrStUvWx'],
    ['GitHub classic token', 'ghp_0123456789abcdefghijklmnopqrstuvwxyz', 'ghp_0123456789abcdef'],
    ['GitHub OAuth token', 'gho_0123456789abcdefghijklmnopqrstuvwxyz', 'gho_0123456789abcdef'],
    ['GitHub app token', 'ghs_0123456789abcdefghijklmnopqrstuvwxyz', 'ghs_0123456789abcdef'],
    [
      'GitHub fine-grained token',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL',
      'abcdefghijklmnopqrstuvwxyz0123',
    ],
    ['GitLab token', 'glpat-AbCdEfGhIjKlMnOpQrSt', 'AbCdEfGhIjKlMnOpQrSt'],
    ['AWS STS key id', 'ASIAIOSFODNN7EXAMPLE expired', 'ASIAIOSFODNN7EXAMPLE'],
    ['Cerebras key', 'csk-abcdefghijklmnopqrstuvwxyz012345', 'abcdefghijklmnopqrstuvwxyz'],
    ['OpenAI service-account key', 'sk-svcacct-AbCdEfGhIjKlMnOpQrStUvWx', 'AbCdEfGhIjKlMnOpQrStUvWx'],
    ['Perplexity key', 'pplx-0123456789abcdef0123456789abcdef', '0123456789abcdef0123'],
    ['NVIDIA key', 'nvapi-AbCdEfGhIjKlMnOpQrStUvWx-0123456789', 'AbCdEfGhIjKlMnOpQrStUvWx'],
    ['Replicate token', 'r8_AbCdEfGhIjKlMnOpQrStUvWx0123456789', 'AbCdEfGhIjKlMnOpQrStUvWx'],
    ['Stripe key', 'sk_live_0123456789abcdefghijklmn', '0123456789abcdefghijklmn'],
    [
      'a private key in a service-account file',
      '{"private_key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    ],
    [
      'a bare PEM private key',
      'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----',
      'MIIEpAIBAAKCAQEA7',
    ],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/redacted/);
  });
});

describe('redactSecrets removes passwords from URLs', () => {
  it.each([
    ['redis with a user', 'redis://default:s3cretpass@cache:6379', 's3cretpass'],
    ['redis without a user', 'connect ECONNREFUSED rediss://:s3cretpass@cache:6380', 's3cretpass'],
    ['smtp', 'smtp://alerts:p4ssw0rd!@mail.example.com:587', 'p4ssw0rd!'],
    ['https', 'proxy https://svc:hunter2hunter2@proxy.example.com/v1', 'hunter2hunter2'],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]@');
  });
});

describe('redactSecrets keeps what is not a secret', () => {
  it.each([
    ['max_tokens', 'max_tokens: 21333 > 4096'],
    [
      'token counts',
      'The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).',
    ],
    ['a token type', 'token_type: bearer'],
    ['a tokenizer', 'tokenizer: cl100k_base_v2_tokenizer'],
    ['a URL without a password', 'https://api.example.com:8443/v1/chat/completions'],
    [
      'a key the provider masked',
      'Incorrect API key provided: sk-abc***. You can find your API key at https://x',
    ],
    ['the word key', 'API key not valid. Please pass a valid API key.'],
    ['a Slack channel path', '/services/billing/overview'],
    ['text already redacted', 'api_key=[redacted] and Bearer [redacted]'],
  ])('%s', (_name, text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactSecrets leaves provider prose alone', () => {
  it.each([
    [
      'a rate-limit message',
      'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000.',
    ],
    [
      'an already-masked OpenAI key',
      'Incorrect API key provided: sk-VKMIs***************************************wjh3.',
    ],
    ['a masked DeepSeek key', 'Authentication Fails, Your api key: ****fcc2 is invalid'],
    ['a request id', 'Please include the request ID req_1332ed8a813a4caaa2f0f3c55a6a68cb in your message.'],
    ['a model id', 'The model `anthropic.claude-3-5-sonnet-20241022-v2:0` does not exist'],
    ['max_tokens', 'max_tokens: 21333 > 4096, which is the maximum allowed number of output tokens'],
    ['a word ending in sk-', 'disk-usage-monitoring-dashboard failed'],
    ['a short string', 'sk-'],
  ])('leaves %s alone', (_name, text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactDeep copies a value for logs', () => {
  it('redacts nested strings and secret-named fields, survives cycles', () => {
    const value: Record<string, unknown> = {
      a: { msg: 'used sk-abcdefghijklmnopqrstuv' },
      password: 'plain',
      headers: { authorization: 'Bearer abcdefghijklmnop', 'x-api-key': 'short', 'api-key': 'deadbeef' },
      list: ['Bearer abcdefghijklmnop'],
      max_tokens: 100,
    };
    value.self = value;
    const out = redactDeep(value) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toMatch(/sk-abcdefghij|plain|abcdefghijklmnop|short|deadbeef/);
    expect(out.max_tokens).toBe(100);
    expect(out.self).toBe('[circular]');
  });

  it("redacts deep in a job's metadata: secret-named fields whatever they hold, secrets in any field", () => {
    const job = {
      provider: 'acme',
      model: 'gpt-4o-mini',
      metadata: {
        tenant: 't-1',
        openai_key: 'mistral0123456789abcdefABCDEF',
        upstreamApiKey: 'q1w2e3r4t5y6u7i8o9p0',
        refreshToken: 'r3fr3sh-0123456789',
        client_secret: 'GOCSPX-AbCdEfGhIjKlMnOpQrStUvWx',
        note: 'callback https://svc:hunter2hunter2@hooks.example.com and ghp_0123456789abcdefghijklmnopqrstuvwxyz',
        key: 'group-7',
        max_tokens: 100,
        input_tokens: 12,
      },
      nested: {
        a: {
          b: {
            c: { webhook: 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx' },
          },
        },
      },
    };
    const out = redactDeep(job) as { metadata: Record<string, unknown> };
    expect(JSON.stringify(out)).not.toMatch(
      /mistral0123|q1w2e3r4|r3fr3sh|AbCdEfGhIjKl|hunter2|ghp_0123|abcdefghijklmnopqrstuvwx/,
    );
    expect(out.metadata).toMatchObject({ tenant: 't-1', key: 'group-7', max_tokens: 100, input_tokens: 12 });
  });

  it.each([
    ['apiKey', true],
    ['openai_key', true],
    ['x-api-key', true],
    ['Ocp-Apim-Subscription-Key', true],
    ['accessToken', true],
    ['SMTP_PASSWORD', true],
    ['set-cookie', true],
    ['key', false],
    ['max_tokens', false],
    ['monkey', false],
    ['tokenizer', false],
    ['requestId', false],
  ])('the field %s is masked whatever it holds: %s', (name, masked) => {
    const out = redactDeep({ [name]: 'plain-value' }) as Record<string, unknown>;
    expect(out[name] === '[redacted]').toBe(masked);
  });

  it('flattens errors with their code, status and cause', () => {
    const err = Object.assign(new Error('401 Incorrect API key provided: sk-abcdefghijklmnopqrstuv'), {
      status: 401,
      cause: Object.assign(new Error('inner'), { code: 'ECONNRESET' }),
    });
    const out = redactDeep(err) as Record<string, unknown>;
    expect(out).toMatchObject({
      name: 'Error',
      status: 401,
      cause: { message: 'inner', code: 'ECONNRESET' },
    });
    expect(JSON.stringify(out)).not.toContain('sk-abcdefghij');
  });

  it.each([
    ['null', null, null],
    ['a number', 3, 3],
    ['a string', 'Bearer abcdefghijklmnop', 'Bearer [redacted]'],
  ])('passes %s through', (_name, value, expected) => {
    expect(redactDeep(value)).toEqual(expected);
  });

  it('never throws', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    expect(redactDeep({ inner: hostile })).toEqual({ inner: '[unreadable]' });
  });
});
