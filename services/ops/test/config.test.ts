import { ConfigError, loadConfig } from '@faultline/runtime';
import { describe, expect, it } from 'vitest';
import { OpsConfig } from '../src/config.ts';

describe('the dashboard is never served on a network without credentials', () => {
  it.each([
    [
      { OPS_HOST: '0.0.0.0' },
      /OPS_TOKEN: required \(or OPS_USERNAME and OPS_PASSWORD\) when OPS_HOST is 0\.0\.0\.0/,
    ],
    [{ OPS_HOST: '10.0.0.5', OPS_USERNAME: 'ops' }, /OPS_PASSWORD: required when OPS_USERNAME is set/],
    [{ OPS_TOKEN: 'short' }, /OPS_TOKEN: use at least 16 characters/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(OpsConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(OpsConfig, env)).toThrow(message);
  });
  it.each([
    [{}],
    [{ OPS_HOST: '0.0.0.0', OPS_TOKEN: 'a-long-enough-token-123' }],
    [{ OPS_HOST: '0.0.0.0', OPS_USERNAME: 'ops', OPS_PASSWORD: 'correct-horse' }],
  ])('accepts %o', (env) => {
    expect(() => loadConfig(OpsConfig, env)).not.toThrow();
  });
});
