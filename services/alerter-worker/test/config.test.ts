import { ConfigError, loadConfig } from '@faultline/runtime';
import { describe, expect, it } from 'vitest';
import { AlerterConfig } from '../src/config.ts';

describe('comma-separated settings', () => {
  it.each([
    [
      { ALERT_TO_EMAILS: ' a@example.com , oncall@localhost,' },
      'ALERT_TO_EMAILS',
      ['a@example.com', 'oncall@localhost'],
    ],
    [
      { WEBHOOK_URLS: 'https://hooks.example.com/a, http://127.0.0.1:9000/b' },
      'WEBHOOK_URLS',
      ['https://hooks.example.com/a', 'http://127.0.0.1:9000/b'],
    ],
    [{ WEBHOOK_URLS: ' , ' }, 'WEBHOOK_URLS', []],
    [{ ALERT_GROUP_BY: 'provider, category' }, 'ALERT_GROUP_BY', ['provider', 'category']],
  ])('reads %o', (env, key, expected) => {
    expect(loadConfig(AlerterConfig, env)[key as keyof AlerterConfig]).toEqual(expected);
  });
  it.each([
    [{ ALERT_TO_EMAILS: ' , ' }, /ALERT_TO_EMAILS: name at least one address/],
    [
      { ALERT_TO_EMAILS: 'a@example.com, nobody' },
      /ALERT_TO_EMAILS: expected comma-separated e-mail addresses/,
    ],
    [
      { WEBHOOK_URLS: 'https://a.example.com, not a url' },
      /WEBHOOK_URLS: expected comma-separated http\(s\) URLs/,
    ],
    [
      { ALERT_GROUP_BY: 'provider, colour' },
      /ALERT_GROUP_BY: expected a comma-separated list of category, provider/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(AlerterConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(AlerterConfig, env)).toThrow(message);
  });
});
