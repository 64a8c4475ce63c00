import type { z } from 'zod';

/** A payload that broke a contract; `issues` name every bad field so the producer can fix all at once. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly contract: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${contract} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Parses `data` or throws a ContractError naming each bad field. */
export function parseContract<S extends z.ZodType>(schema: S, contract: string, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ContractError(
    contract,
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'unknown field' }))
        : [{ path: pathOf(issue.path), message: issue.message }],
    ),
  );
}
