import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const pages = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

/** Markdown without its fenced blocks, where `# x` is a comment, not a heading. */
const unfenced = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');
/** …and without inline code, where a `[x](y)` is text, not a link. */
const prose = (text: string) => unfenced(text).replace(/`[^`\n]*`/g, '');

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of unfenced(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue; // http(s), mailto: not checked offline
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const dest = path ? resolve(dirname(file), path) : file;
    if (!existsSync(dest)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor && statSync(dest).isFile() && dest.endsWith('.md') && !anchors(dest).has(anchor))
      broken.push(`${target}: no heading with anchor #${anchor} in ${relative(ROOT, dest)}`);
  }
  return broken;
}

describe('documentation links', () => {
  it.each(pages.map((p) => [relative(ROOT, p), p]))(
    'every relative link and #anchor in %s resolves',
    (_name, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );

  it('README.md links to every page of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const unlinked = pages.slice(1).filter((p) => !readme.includes(`](${relative(ROOT, p)}`));
    expect(unlinked.map((p) => relative(ROOT, p))).toEqual([]);
  });
});
