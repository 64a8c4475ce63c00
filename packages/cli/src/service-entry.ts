/**
 * How the CLI runs a service (or another entry of this repository) as its own process, given the
 * entry's source path from the repository root, e.g. `services/ops/src/main.ts`. The returned
 * arguments follow `process.execPath` and run from the repository root.
 *
 * A CLI compiled to dist/ (`faultline` from node_modules/.bin, `node packages/cli/dist/main.js`) runs
 * the compiled entry with plain node: no tsx, no TypeScript at run time. The CLI run from its sources
 * (`pnpm faultline`) runs the sources with tsx and the `development` condition, so that no workspace
 * package resolves to a dist/ older than the code being run.
 */
export const RUNS_COMPILED = import.meta.url.endsWith('.js');

export function entryArgs(sourceEntry: string, compiled = RUNS_COMPILED): string[] {
  if (!compiled) return ['--conditions=development', '--import', 'tsx', sourceEntry];
  const built = sourceEntry.replace(/(^|\/)src\//, '$1dist/').replace(/\.ts$/, '.js');
  return [built];
}
