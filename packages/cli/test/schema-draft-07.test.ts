import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_SCHEMAS, type ContractName } from '@faultline/core';
import { REPO_ROOT, runRepoProcess } from '@faultline/testkit';
// The package's main entry ('ajv', not 'ajv/dist/2020'): the draft-07 Ajv most producers import.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DRAFT_07_DIR, schemaText } from '../src/commands/schema.ts';

const job = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
  maxTokens: 64,
};

describe('the contracts in draft-07, for validators that default to it', () => {
  it('faultline schema generation-job --draft-07 prints a schema that Ajv’s default import validates a job with', async () => {
    const proc = runRepoProcess(['packages/cli/src/main.ts', 'schema', 'generation-job', '--draft-07'], {});
    expect(await proc.exited).toBe(0);
    const schema = JSON.parse(proc.output());
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // The default import is the draft-07 Ajv a producer reaches for first.
    const validate = new Ajv().compile(schema);
    expect(validate(job)).toBe(true);
    expect(validate({ ...job, prompt: 'hi' })).toBe(false);
    expect(validate({ ...job, messages: [{ role: 'robot', content: 'hi' }] })).toBe(false);
    expect(validate({ provider: 'openai', model: 'gpt-4o-mini' })).toBe(false);
  });

  it.each(Object.keys(CONTRACT_SCHEMAS) as ContractName[])(
    'the committed %s draft-07 file is what the CLI prints, and draft-07 Ajv compiles it',
    (name) => {
      const committed = readFileSync(join(REPO_ROOT, DRAFT_07_DIR, `${name}.schema.json`), 'utf8');
      expect(JSON.parse(committed)).toEqual(JSON.parse(schemaText(name, '07')));
      // Timestamps are format date-time, which Ajv checks only with ajv-formats (without, strict mode refuses it).
      expect(() => new Ajv({ validateFormats: false }).compile(JSON.parse(committed))).not.toThrow();
    },
  );

  it('the 2020-12 schema is what the default import rejects: why the draft-07 copy exists', () => {
    expect(() => new Ajv().compile(JSON.parse(schemaText('generation-job')))).toThrow(/draft\/2020-12/);
  });
});
