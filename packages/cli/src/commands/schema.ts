import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTRACT_SCHEMAS, type ContractName, contractJsonSchema } from '@faultline/core';
import { z } from 'zod';
import { UsageError } from '../usage-error.ts';

const NAMES = Object.keys(CONTRACT_SCHEMAS) as ContractName[];
/** Committed copies for producers and webhook receivers; a test keeps them equal to the zod schemas. */
export const SCHEMA_DIR = 'packages/core/schemas';
/** The same schemas in draft-07, for validators that default to it (Ajv's default import, many others). */
export const DRAFT_07_DIR = `${SCHEMA_DIR}/draft-07`;

export const usage = `faultline schema NAME [--draft-07] | --write
      prints the JSON Schema of a contract (${NAMES.join(', ')}) for producers and webhook
      receivers in other languages, in draft 2020-12 (--draft-07: in draft-07, which Ajv's default
      import and most older validators expect); --write regenerates every file under ${SCHEMA_DIR}/
      (2020-12) and ${DRAFT_07_DIR}/`;

/** `faultline schema NAME [--draft-07]`'s output. */
export function schemaText(name: ContractName, draft: '2020-12' | '07' = '2020-12'): string {
  const schema =
    draft === '07'
      ? z.toJSONSchema(CONTRACT_SCHEMAS[name], { io: 'input', target: 'draft-07' })
      : contractJsonSchema(name);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { write: { type: 'boolean' }, 'draft-07': { type: 'boolean' } },
  });
  if (values.write) {
    for (const [dir, draft] of [
      [SCHEMA_DIR, '2020-12'],
      [DRAFT_07_DIR, '07'],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      for (const n of NAMES) writeFileSync(join(dir, `${n}.schema.json`), schemaText(n, draft));
    }
    process.stdout.write(
      `wrote ${NAMES.length} schemas to ${SCHEMA_DIR}/ and ${NAMES.length} to ${DRAFT_07_DIR}/\n`,
    );
    return 0;
  }
  const name = positionals[0];
  if (!name || !(NAMES as string[]).includes(name) || positionals.length > 1)
    throw new UsageError(`name one of: ${NAMES.join(', ')}`);
  process.stdout.write(schemaText(name as ContractName, values['draft-07'] ? '07' : '2020-12'));
  return 0;
}
