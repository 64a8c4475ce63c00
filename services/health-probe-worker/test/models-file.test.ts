import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@faultline/runtime';
import { describe, expect, it } from 'vitest';
import { readModelsFile } from '../src/models.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-models-'));
let n = 0;
const file = (ext: 'yaml' | 'json', text: string) => {
  const path = join(dir, `models-${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
};
function errorOf(path: string): string {
  try {
    readModelsFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${path} was accepted`);
}

const yaml = (second: string) =>
  `models:\n  - id: gpt-4o-mini\n    provider: openai\n  - ${second.replaceAll('\n', '\n    ')}\n`;
const json = (second: object) =>
  JSON.stringify({ models: [{ id: 'gpt-4o-mini', provider: 'openai' }, second] });

describe('models-file validation names the entry and the field', () => {
  it.each([
    [
      'a bad priority',
      yaml('id: claude-x\nprovider: anthropic\npriority: urgent'),
      json({ id: 'claude-x', provider: 'anthropic', priority: 'urgent' }),
      /models\[1\] \(claude-x\)\.priority/,
    ],
    [
      'a bad interval',
      yaml('id: claude-x\nprovider: anthropic\ninterval: soon'),
      json({ id: 'claude-x', provider: 'anthropic', interval: 'soon' }),
      /models\[1\] \(claude-x\)\.interval: expected a duration/,
    ],
    [
      'a bad probe kind',
      yaml('id: claude-x\nprovider: anthropic\nprobe: chat'),
      json({ id: 'claude-x', provider: 'anthropic', probe: 'chat' }),
      /models\[1\] \(claude-x\)\.probe/,
    ],
    [
      'an entry without id',
      yaml('provider: anthropic'),
      json({ provider: 'anthropic' }),
      /models\[1\] \(#1\)\.id/,
    ],
    [
      'an unknown field',
      yaml('id: claude-x\nprovider: anthropic\nmodle: typo'),
      json({ id: 'claude-x', provider: 'anthropic', modle: 'typo' }),
      /models\[1\] \(claude-x\).*modle/,
    ],
    [
      'a model listed twice',
      yaml('id: gpt-4o-mini\nprovider: openai'),
      json({ id: 'gpt-4o-mini', provider: 'openai' }),
      /openai\/gpt-4o-mini is listed twice/,
    ],
  ])('%s (YAML and JSON)', (_what, yamlText, jsonText, message) => {
    for (const path of [file('yaml', yamlText), file('json', jsonText)]) {
      const text = errorOf(path);
      expect(text).toMatch(message);
      expect(text).toContain('FAULTLINE_MODELS_FILE');
      expect(text).toContain(path);
    }
  });

  it('a file that does not parse says so', () => {
    const path = file('yaml', 'models: [\n');
    expect(errorOf(path)).toMatch(/cannot read .*models-\d+\.yaml/);
  });

  it('defaults: normal priority, a completion probe every 60 s, no gateway', () => {
    expect(readModelsFile(file('yaml', 'models:\n  - id: m\n    provider: openai\n'))).toEqual([
      {
        id: 'm',
        provider: 'openai',
        gateway: null,
        priority: 'normal',
        interval: 60_000,
        probe: 'completion',
      },
    ]);
  });
});

describe('a probe interval under PROBE_INTERVAL_MIN (1 s) is refused', () => {
  it.each([
    ['a bare number, meant as seconds', 'interval: 30', { interval: 30 }, /30 ms is under the 1000 ms/],
    ['milliseconds', 'interval: 500ms', { interval: '500ms' }, /500 ms is under the 1000 ms/],
  ])('%s, naming the model and the field', (_what, line, patch, message) => {
    for (const path of [
      file('yaml', yaml(`id: claude-x\nprovider: anthropic\n${line}`)),
      file('json', json({ id: 'claude-x', provider: 'anthropic', ...patch })),
    ]) {
      const text = errorOf(path);
      expect(text).toMatch(/models\[1\] \(claude-x\)\.interval: /);
      expect(text).toMatch(message);
      expect(text).toContain('write the unit, e.g. 30s');
    }
  });

  it('1 s is accepted, and a lower PROBE_INTERVAL_MIN (tests, demos) lets a shorter one through', () => {
    expect(readModelsFile(file('yaml', yaml('id: c\nprovider: anthropic\ninterval: 1s')))[1]?.interval).toBe(
      1000,
    );
    const fast = file('yaml', yaml('id: c\nprovider: anthropic\ninterval: 200ms'));
    expect(readModelsFile(fast, { PROBE_INTERVAL_MIN: '100ms' })[1]?.interval).toBe(200);
  });
});
