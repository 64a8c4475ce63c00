import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from '../src/redact.ts';

describe('redactSecrets', () => {
  it.each([
    ['OpenAI project key', 'key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx rejected', 'sk-proj-AbCd'],
    ['legacy OpenAI key', 'sk-1234567890abcdefghijklmnop', 'sk-1234567890'],
    ['Anthropic key', 'x-api-key: sk-ant-api03-abcdefghijklmnopqrstu', 'sk-ant-api03'],
    ['OpenRouter key', 'sk-or-v1-0123456789abcdef0123456789abcdef', 'sk-or-v1-0123'],
    ['Groq key', 'gsk_abcdefghijklmnopqrstuvwxyz012345', 'gsk_abcdef'],
    ['Google key', 'Consumer api_key:AIzaSyA1234567890abcdefghijklmnopq', 'AIzaSyA123'],
    ['AWS access key', 'AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    ['bearer token', 'Authorization: Bearer abc.def-ghi_jkl012345', 'abc.def-ghi_jkl012345'],
    ['query-string key', 'GET /v1/models?key=hunter2secretvalue&x=1', 'hunter2secretvalue'],
    ['password in a URL', 'redis://default:s3cretpass@cache:6379', 's3cretpass'],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/redacted/);
  });

  it('leaves ordinary text alone', () => {
    const text =
      'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000.';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactDeep', () => {
  it('redacts nested strings and secret-named fields, survives cycles', () => {
    const value: Record<string, unknown> = {
      a: { msg: 'used sk-abcdefghijklmnopqrstuv' },
      password: 'plain',
      list: ['Bearer abcdefghijklmnop'],
    };
    value.self = value;
    const out = JSON.stringify(redactDeep(value));
    expect(out).not.toMatch(/sk-abcdefghij|plain|abcdefghijklmnop/);
  });
});
