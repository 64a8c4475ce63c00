import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Services never import each other (what two share lives in packages/), only the CLI starts them,
// and no source file reaches itself through its imports. A regex over the import lines is enough,
// as every specifier in the repo is a literal. (packages/core's own imports are biome.json's rule.)

const ROOT = resolve(import.meta.dirname, '..');
const WORKSPACES = ['packages', 'services'].flatMap((group) =>
  readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name)),
);

/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`; type-only imports too. */
const SPECIFIER =
  /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.split(/[\\/]/).includes('node_modules'))
    .map((f) => join(dir, f));
}

/** `@faultline/x` and `@faultline/x/sub` to the file its package.json exports. */
const packageExports = new Map<string, string>();
for (const dir of WORKSPACES) {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name, exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    name: string;
    exports?: Record<string, string | { development: string }>;
  };
  // A built package exports its source under the `development` condition, its dist/ otherwise.
  for (const [sub, file] of Object.entries(exports ?? {}))
    packageExports.set(
      sub === '.' ? name : `${name}/${sub.slice(2)}`,
      resolve(dir, typeof file === 'string' ? file : file.development),
    );
}

function resolveImport(from: string, specifier: string): string | null {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(from), specifier);
    for (const candidate of [target, `${target}.ts`, join(target, 'index.ts')])
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    throw new Error(`${rel(from)} imports ${specifier}, which is not a file`);
  }
  if (!specifier.startsWith('@faultline/')) return null;
  const target = packageExports.get(specifier);
  if (!target) throw new Error(`${rel(from)} imports ${specifier}, which no package.json exports`);
  return target;
}

function importsOf(file: string): string[] {
  const targets = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolveImport(file, (m[1] ?? m[2] ?? m[3])!);
    if (target?.endsWith('.ts')) targets.add(target);
  }
  return [...targets];
}

const rel = (file: string) => relative(ROOT, file);

/** Every import cycle, one per strongly connected set of files (Tarjan), as a path that returns to its start. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.add(w);
    } while (w !== v);
    if (component.size > 1 || graph.get(v)?.includes(v)) found.push(pathBack(graph, v, component));
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** The shortest path from `start` back to itself within its component. */
function pathBack(graph: Map<string, string[]>, start: string, component: Set<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const between: string[] = [];
        for (let at = v; at !== start; at = cameFrom.get(at)!) between.unshift(at);
        return [start, ...between, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * Cycles known and not yet broken, each starting at its first file by name. The test fails when one
 * is gone too, so that its line goes with it.
 */
const TOLERATED_CYCLES: string[] = [];

/** A cycle as text, rotated to start at its first file by name, so that it reads the same on every run. */
function named(cycle: string[]): string {
  const ring = cycle.slice(0, -1).map((f) => rel(f).replaceAll('\\', '/'));
  const first = ring.indexOf([...ring].sort()[0]!);
  const rotated = [...ring.slice(first), ...ring.slice(0, first)];
  return [...rotated, rotated[0]].join(' → ');
}

const sources = WORKSPACES.flatMap((dir) => tsFiles(join(dir, 'src')));
const graph = new Map(sources.map((file) => [file, importsOf(file)]));
const serviceOf = (file: string) => /^services\/([^/]+)\//.exec(rel(file).replaceAll('\\', '/'))?.[1] ?? null;

describe('the import graph', () => {
  it('reads every source file of the workspace', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(sources.length);
  });

  it('has no cycle among source files (type-only imports count)', () => {
    const found = cycles(graph).map(named);
    expect(found.filter((c) => !TOLERATED_CYCLES.includes(c))).toEqual([]);
    expect(
      TOLERATED_CYCLES.filter((c) => !found.includes(c)),
      'gone: delete from TOLERATED_CYCLES',
    ).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(cycles(g)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['e', 'e'],
    ]);
  });

  it('has no service importing another service, in its sources or its tests', () => {
    const crossings: string[] = [];
    for (const dir of WORKSPACES.filter((d) => serviceOf(join(d, 'x')) !== null))
      for (const file of [...tsFiles(join(dir, 'src')), ...tsFiles(join(dir, 'test'))])
        for (const target of importsOf(file)) {
          const theirs = serviceOf(target);
          if (theirs !== null && theirs !== serviceOf(file)) crossings.push(`${rel(file)} → ${rel(target)}`);
        }
    expect(crossings).toEqual([]);
  });

  it('has no package importing a service, but the CLI, which starts them', () => {
    const crossings = sources
      .filter((file) => serviceOf(file) === null && !rel(file).startsWith(join('packages', 'cli')))
      .flatMap((file) =>
        importsOf(file)
          .filter((t) => serviceOf(t) !== null)
          .map((t) => `${rel(file)} → ${rel(t)}`),
      );
    expect(crossings).toEqual([]);
  });
});
