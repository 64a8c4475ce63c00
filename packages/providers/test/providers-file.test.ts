import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyError } from '@faultline/core';
import { ConfigError } from '@faultline/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderRegistry, MissingApiKeyError } from '../src/registry.ts';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-providers-file-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function providersFile(text: string): string {
  const file = join(dir, `providers-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

const registryFrom = (file: string, env: Record<string, string> = {}) =>
  createProviderRegistry({ FAULTLINE_PROVIDERS_FILE: file, ...env }, { timeoutMs: 1000 });

const good =
  '  - name: together\n    baseURL: https://api.together.xyz/v1\n    apiKeyEnv: TOGETHER_API_KEY\n';

describe('a bad providers file stops start-up with an error naming the entry and the field', () => {
  it.each([
    [
      'a key variable that is no variable name',
      `${good}  - name: groq\n    apiKeyEnv: groq-key\n`,
      /providers\[1\]\.apiKeyEnv: expected an environment variable name/,
    ],
    [
      'no key variable',
      '  - name: groq\n    baseURL: https://api.groq.com/openai/v1\n',
      /providers\[0\]\.apiKeyEnv: /,
    ],
    [
      'a name with capitals',
      `${good}  - name: Groq\n    apiKeyEnv: GROQ_API_KEY\n`,
      /providers\[1\]\.name: lower-case letters/,
    ],
    [
      'a baseURL that is no URL',
      '  - name: groq\n    baseURL: api.groq.com\n    apiKeyEnv: GROQ_API_KEY\n',
      /providers\[0\]\.baseURL: expected an http\(s\) URL/,
    ],
    [
      'a misspelt field',
      '  - name: groq\n    baseUrl: https://api.groq.com/openai/v1\n    apiKeyEnv: GROQ_API_KEY\n',
      /providers\[0\]: .*"baseUrl"/,
    ],
    [
      'a kind no SDK speaks',
      '  - name: groq\n    kind: gemini\n    apiKeyEnv: GROQ_API_KEY\n',
      /providers\[0\]\.kind: /,
    ],
  ])('%s', (_name, entries, message) => {
    const file = providersFile(`providers:\n${entries}`);
    let error: unknown;
    try {
      registryFrom(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable)).toEqual(problems.map(() => 'FAULTLINE_PROVIDERS_FILE'));
    expect(problems.map((p) => p.message).join('\n')).toMatch(message);
    // The file is named too, so the operator knows which one was read.
    expect((error as ConfigError).message).toContain(file);
  });

  it('a file that cannot be read says so and names the path', () => {
    const missing = join(dir, 'nope.yaml');
    expect(() => registryFrom(missing)).toThrow(ConfigError);
    expect(() => registryFrom(missing)).toThrow(/FAULTLINE_PROVIDERS_FILE: cannot read .*nope\.yaml/);
  });
});

describe('a provider whose key variable is unset', () => {
  it('is configured, but calling it fails with an authentication-classified error naming the variable', () => {
    const registry = registryFrom(providersFile(`providers:\n${good}`));
    expect(registry.spec('together')).toMatchObject({ apiKeyEnv: 'TOGETHER_API_KEY', gateway: null });
    let error: unknown;
    try {
      registry.client('together');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect((error as Error).message).toContain('TOGETHER_API_KEY');
    expect(classifyError(error, { provider: 'together', model: 'm' })).toMatchObject({
      category: 'authentication',
      reason: 'missing_api_key',
      severity: 'CRITICAL',
      isRetryable: false,
      statusCode: 401,
    });
  });

  it('an empty variable counts as unset', () => {
    const registry = registryFrom(providersFile(`providers:\n${good}`), { TOGETHER_API_KEY: '' });
    expect(() => registry.client('together')).toThrow(MissingApiKeyError);
  });
});
