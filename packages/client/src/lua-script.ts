import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * A Lua script kept in its own `.lua` file, called by name instead of by position. The file's header
 * lists its inputs, one per line, as the script reads them:
 *
 *     --[[ what the script does, and why it is one step
 *       KEYS[1] group     the group's hash
 *       ARGV[1] now       ms
 *       ARGV[2...] events id, JSON pairs (a variadic tail, passed as `rest`)
 *     ]]
 *
 * The names given here must be the header's, in its order: a script whose header and caller drift
 * apart fails when its module loads, not as a wrong ARGV[6] at run time.
 */
export interface LuaScript<K extends string, A extends string, R> {
  readonly name: string;
  readonly source: string;
  run(
    redis: Redis,
    keys: Record<K, string>,
    argv: Record<A, string | number>,
    rest?: readonly (string | number)[],
  ): Promise<R>;
}

const INPUT = /^\s*(KEYS|ARGV)\[(\d+)(\.\.\.)?\]\s+(\w+)/gm;

export class LuaHeaderError extends Error {}

/** The inputs a script's header declares, in order; the variadic tail is not a named input. */
export function luaInputs(source: string): { keys: string[]; argv: string[] } {
  const header = source.match(/^--\[\[([\s\S]*?)\]\]/)?.[1] ?? '';
  const found = { keys: [] as string[], argv: [] as string[] };
  for (const [, kind, index, rest, name] of header.matchAll(INPUT)) {
    if (rest) continue;
    const list = kind === 'KEYS' ? found.keys : found.argv;
    if (Number(index) !== list.length + 1)
      throw new LuaHeaderError(`${kind}[${index}] ${name} is out of order in the header`);
    list.push(name as string);
  }
  return found;
}

export function luaScript<K extends string, A extends string, R = unknown>(
  file: URL,
  keys: readonly K[],
  argv: readonly A[],
): LuaScript<K, A, R> {
  const source = readFileSync(file, 'utf8');
  const name = basename(fileURLToPath(file));
  const declared = luaInputs(source);
  const same = (a: readonly string[], b: readonly string[]) => a.join() === b.join();
  if (!same(declared.keys, keys) || !same(declared.argv, argv))
    throw new LuaHeaderError(
      `${name}: its header declares KEYS ${declared.keys.join(', ')} and ARGV ${declared.argv.join(', ')}, ` +
        `its caller passes KEYS ${keys.join(', ')} and ARGV ${argv.join(', ')}`,
    );
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    name,
    source,
    async run(redis, keyValues, argValues, rest = []) {
      const args = [...keys.map((k) => keyValues[k]), ...argv.map((a) => argValues[a]), ...rest];
      try {
        return (await redis.evalsha(sha, keys.length, ...args)) as R;
      } catch (error) {
        // A Redis that restarted or was flushed has forgotten it: EVAL loads it again.
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return (await redis.eval(source, keys.length, ...args)) as R;
      }
    },
  };
}
