#!/usr/bin/env node
// The `faultline` bin. pnpm links bins before the root postinstall compiles dist/, and skips a bin
// whose file is missing then, so the bin is this committed file, which runs the compiled CLI.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('faultline: the CLI is not built (packages/cli/dist is missing); run pnpm build\n');
  process.exit(1);
}
await import(main.href);
