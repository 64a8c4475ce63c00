import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../src/pipeline.ts';

const src = new URL('../src/', import.meta.url);

describe("the alerter's stages, as written down in pipeline.ts", () => {
  it('name files that exist, each once', () => {
    for (const { file } of STAGES) expect(existsSync(new URL(file, src)), file).toBe(true);
    expect(new Set(STAGES.map((s) => s.file)).size).toBe(STAGES.length);
  });

  it('account for every Lua script the alerter runs', () => {
    const said = STAGES.map((s) => s.does).join(' ');
    const scripts = readdirSync(new URL('scripts/', src)).filter((f) => f.endsWith('.lua'));
    expect(scripts.filter((f) => !said.includes(f))).toEqual([]);
  });
});
