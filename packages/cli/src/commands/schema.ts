import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_SCHEMAS, type ContractName, contractJsonSchema } from '@faultline/core';
import { UsageError } from '../usage-error.ts';

const NAMES = Object.keys(CONTRACT_SCHEMAS) as ContractName[];
/** Committed copies for producers and webhook receivers; a test keeps them equal to the zod schemas. */
export const SCHEMA_DIR = 'packages/core/schemas';

export const usage = `faultline schema NAME | --write
      prints the JSON Schema of a contract (${NAMES.join(', ')}) for producers and webhook
      receivers in other languages; --write regenerates every file under ${SCHEMA_DIR}/`;

export function schemaText(name: ContractName): string {
  return `${JSON.stringify(contractJsonSchema(name), null, 2)}\n`;
}

export async function schemaCommand(argv: string[]): Promise<number> {
  const name = argv[0];
  if (name === '--write') {
    mkdirSync(SCHEMA_DIR, { recursive: true });
    for (const n of NAMES) writeFileSync(join(SCHEMA_DIR, `${n}.schema.json`), schemaText(n));
    process.stdout.write(`wrote ${NAMES.length} schemas to ${SCHEMA_DIR}/\n`);
    return 0;
  }
  if (!name || !(NAMES as string[]).includes(name)) throw new UsageError(`name one of: ${NAMES.join(', ')}`);
  process.stdout.write(schemaText(name as ContractName));
  return 0;
}
