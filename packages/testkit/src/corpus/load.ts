import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

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

/** Where CI puts the shared corpus: `shared/` beside the repository root. */
export function defaultCorpusPath(): string {
  return resolve(import.meta.dirname, '../../../../../shared/corpus/errors-dev.jsonl');
}
