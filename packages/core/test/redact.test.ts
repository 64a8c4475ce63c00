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
