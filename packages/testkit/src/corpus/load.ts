import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../repo-process.ts';

/** One labelled real provider error (fields of shared/corpus/README.md). */
export const CorpusCase = z.object({
  id: z.string().min(1),
  provider: z.string().min(1),
  kind: z.enum(['http', 'network']),
  status: z.number().int().min(100).max(999).nullable(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown(),
  message: z.string().nullable(),
  node_code: z.string().nullable().default(null),
  expected: z.string().min(1),
  retryable: z.boolean(),
  source: z.string().optional(),
  note: z.string().optional(),
});
export type CorpusCase = z.output<typeof CorpusCase>;

/** Reads a JSON-lines corpus; a bad line throws naming file:line and the field. */
export function loadCorpus(path: string): CorpusCase[] {
  const cases: CorpusCase[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (error) {
        throw new Error(`${path}:${i + 1}: not JSON (${(error as Error).message})`);
      }
      const parsed = CorpusCase.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`,
        );
        throw new Error(`${path}:${i + 1}: ${problems.join('; ')}`);
      }
      cases.push(parsed.data);
    });
  return cases;
}

/** Where CI puts the shared corpus: `shared/corpus/` beside the repository root. */
export function defaultCorpusDir(): string {
  return resolve(import.meta.dirname, '../../../../../shared/corpus');
}

/** Every corpus file of a directory (`*.jsonl`), by name, so a new file joins without a code change. */
export function corpusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.jsonl'))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/** The sample bundled with the repository, so that a clone without shared/ measures something. */
export const BUNDLED_CORPUS = resolve(REPO_ROOT, 'examples/errors-sample.jsonl');

/** Which corpus files a replay reads, and why those. */
export interface CorpusChoice {
  files: string[];
  why: string;
}

/**
 * Every `*.jsonl` of the shared corpus where CI puts it beside the repo, so that the sample grows without a
 * code change; else the bundled sample, saying why.
 */
export function corpusToReplay(
  dir: string = defaultCorpusDir(),
  bundled: string = BUNDLED_CORPUS,
): CorpusChoice {
  const files = existsSync(dir) ? corpusFiles(dir) : [];
  if (files.length) return { files, why: `the shared corpus (${files.length} files in ${dir})` };
  const absent = existsSync(dir) ? `${dir} holds no *.jsonl` : `${dir} is absent`;
  return { files: [bundled], why: `the bundled sample: ${absent} (CI puts shared/ beside the repo)` };
}
