import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  READ_ELSEWHERE,
  REGENERATE,
  ROOT,
  renderSettingsDoc,
  SCHEMAS,
  SETTINGS,
  SETTINGS_DOC,
  settingsRows,
} from '../scripts/settings-doc.ts';

const committed = readFileSync(SETTINGS_DOC, 'utf8');
const documented = new Set(settingsRows().map((r) => r.name));

/** Source and deployment files, where a setting read outside the schemas must be named. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'test' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|ya?ml|sh|acl)$/.test(name) ? [path] : [];
  });
}
const code = ['packages', 'services', 'infra']
  .flatMap((dir) => sources(resolve(ROOT, dir)))
  .concat(resolve(ROOT, 'docker-compose.yml'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('docs/settings.md', () => {
  it('is what scripts/settings-doc.ts generates from the schemas', () => {
    const fresh = renderSettingsDoc(committed);
    expect(fresh === committed, `docs/settings.md is out of date: run ${REGENERATE}`).toBe(true);
  });

  it.each(Object.entries(SCHEMAS))('lists every setting the %s service reads', (_name, schema) => {
    expect(Object.keys(schema.shape).filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents no setting that nothing reads', () => {
    const inSchemas = new Set(Object.values(SCHEMAS).flatMap((s) => Object.keys(s.shape)));
    const unread = [...documented, ...Object.keys(READ_ELSEWHERE)].filter(
      (name) => !inSchemas.has(name) && !new RegExp(`\\b${name}\\b`).test(code),
    );
    expect(
      unread,
      'remove them from .env.example, or SETTINGS / READ_ELSEWHERE in scripts/settings-doc.ts',
    ).toEqual([]);
  });

  it('names who reads each setting outside the schemas', () => {
    const inSchemas = new Set(Object.values(SCHEMAS).flatMap((s) => Object.keys(s.shape)));
    const orphans = Object.keys(SETTINGS).filter((name) => !inSchemas.has(name) && !(name in READ_ELSEWHERE));
    expect(orphans, 'add them to READ_ELSEWHERE in scripts/settings-doc.ts').toEqual([]);
  });
});
