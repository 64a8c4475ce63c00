import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConfig, ConfigError, envBool, envDuration, envInt, loadConfig } from '../src/config.ts';

const Schema = BaseConfig.extend({
  CONCURRENCY: envInt(1, 1000).default(10),
  ENABLED: envBool.default(false),
  WAIT: envDuration.default(10_000),
});

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(Schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults and treats empty values as unset', () => {
    const cfg = loadConfig(Schema, { CONCURRENCY: '', WAIT: '5m' });
    expect(cfg).toMatchObject({
      // The Redis `faultline start` runs when REDIS_URL is unset.
      REDIS_URL: 'redis://127.0.0.1:6390',
      QUEUE_PREFIX: '{faultline}',
      CONCURRENCY: 10,
      WAIT: 300_000,
    });
  });
  it.each([
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL: expected a URL starting with redis:// or rediss://'],
    [{ CONCURRENCY: '0' }, 'CONCURRENCY: expected a whole number from 1 to 1000'],
    [{ CONCURRENCY: 'ten' }, 'CONCURRENCY: expected a whole number'],
    [{ ENABLED: 'maybe' }, 'ENABLED: expected true or false'],
    [{ WAIT: 'soon' }, 'WAIT: expected a duration such as 500ms, 10s, 5m or 1h'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
    ],
  ])('names the variable and what it accepts: %o', (env, message) => {
    expect(problems(env as Record<string, string>)).toEqual([message]);
  });
  it('reports every bad variable at once', () => {
    expect(problems({ CONCURRENCY: '0', ENABLED: 'x' })).toHaveLength(2);
  });
  it('only reads variables the schema names', () => {
    expect(loadConfig(z.object({ A: z.string().default('a') }), { B: 'b' } as NodeJS.ProcessEnv)).toEqual({
      A: 'a',
    });
  });
});
