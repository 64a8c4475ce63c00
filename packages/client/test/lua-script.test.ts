import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LuaHeaderError, luaInputs, luaScript } from '../src/lua-script.ts';

const HEADER = `--[[ counts something
  KEYS[1] counter   the counter
  ARGV[1] by        how much
  ARGV[2...] tags   extra
]]
return redis.call('INCRBY', KEYS[1], ARGV[1])`;

const file = (source: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'lua-')), 'count.lua');
  writeFileSync(path, source);
  return pathToFileURL(path);
};

describe("a Lua script's header is its signature", () => {
  it('lists its KEYS and ARGV by name, in order, the variadic tail apart', () => {
    expect(luaInputs(HEADER)).toEqual({ keys: ['counter'], argv: ['by'] });
  });

  it('refuses, at load, a caller whose names or order drift from the header', () => {
    expect(() => luaScript(file(HEADER), ['counter'], ['by'])).not.toThrow();
    expect(() => luaScript(file(HEADER), ['counter'], ['amount'])).toThrow(
      /count\.lua: its header declares KEYS counter and ARGV by, its caller passes KEYS counter and ARGV amount/,
    );
    expect(() => luaScript(file(HEADER), ['counter', 'other'], ['by'])).toThrow(LuaHeaderError);
  });

  it('refuses a header whose indices skip one', () => {
    expect(() => luaInputs('--[[\n  KEYS[1] a\n  KEYS[3] b\n]]')).toThrow(/KEYS\[3\] b is out of order/);
  });
});
