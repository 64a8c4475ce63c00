import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every queue keeps its completed and failed jobs by age and by count (review G1): by age alone, an
 * outage failing 100 jobs a second keeps millions of them; by count alone, a quiet week keeps jobs
 * whose ids then dedupe new ones (L4). BullMQ takes a job's own options over its worker's, so each
 * place that names them is checked, and each worker must name both (its jobs' default).
 */
const ROOT = resolve(import.meta.dirname, '..');
const sources = ['packages', 'services'].flatMap((top) =>
  readdirSync(join(ROOT, top)).flatMap((pkg) => {
    const src = join(ROOT, top, pkg, 'src');
    try {
      return readdirSync(src, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(src, f));
    } catch {
      return [];
    }
  }),
);
const text = new Map(sources.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')]));

/** The object literal starting at `from` (its braces balanced), or null when there is none. */
function objectAt(source: string, from: number): string | null {
  if (source[from] !== '{') return null;
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) return source.slice(from, i + 1);
  }
  return null;
}

/** A named constant's object literal, wherever in the sources it is defined. */
function constant(name: string): string | null {
  for (const source of text.values()) {
    const at = new RegExp(`const ${name}\\s*=\\s*\\{`).exec(source);
    if (at) return objectAt(source, at.index + at[0].length - 1);
  }
  return null;
}

const settings = [...text].flatMap(([file, source]) =>
  [...source.matchAll(/\b(removeOnComplete|removeOnFail):\s*/g)].map((m) => {
    const at = m.index + m[0].length;
    const name = /^[A-Z_][A-Z0-9_]*/.exec(source.slice(at))?.[0];
    const value = name ? constant(name) : objectAt(source, at);
    const line = source.slice(0, m.index).split('\n').length;
    return { where: `${file}:${line} ${m[1]}`, value: value ?? source.slice(at, at + 20) };
  }),
);

describe('job retention', () => {
  it('finds the places that set it', () => {
    expect(settings.length).toBeGreaterThan(10);
  });

  it.each(settings.map((s) => [s.where, s.value]))('%s keeps jobs by age and count', (_where, value) => {
    expect(value).toMatch(/\bage:/);
    expect(value).toMatch(/\bcount:/);
  });

  const workers = [...text].filter(([, source]) => /new Worker\(/.test(source));
  it.each(workers.map(([file]) => [file]))('%s: its worker names both for jobs that name none', (file) => {
    const source = text.get(file)!;
    expect(source).toMatch(/removeOnComplete:/);
    expect(source).toMatch(/removeOnFail:/);
  });

  const schedulers = [...text].filter(([, source]) => /upsertJobScheduler\(/.test(source));
  it.each(schedulers.map(([file]) => [file]))('%s: its scheduled jobs name both', (file) => {
    const source = text.get(file)!;
    expect(source).toMatch(/removeOnComplete:/);
    expect(source).toMatch(/removeOnFail:/);
  });
});
