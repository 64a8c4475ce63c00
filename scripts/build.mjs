// `pnpm build`, and the root postinstall: compiles every workspace package that has a
// tsconfig.build.json to its dist/ (tsc -b orders them by their references and is incremental, so a
// second run does nothing), then copies the files sources load beside themselves at run time (Lua
// scripts, through `new URL('./scripts/x.lua', import.meta.url)`) next to the JS.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

let tsc;
try {
  tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  // `pnpm install --prod` leaves TypeScript out: that install runs what an earlier build compiled.
  console.warn(
    'faultline build: typescript is not installed, so dist/ is left as it is (run pnpm build where it is)',
  );
  process.exit(0);
}

const projects = ['packages', 'services']
  .flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name)))
  .filter((dir) => existsSync(join(dir, 'tsconfig.build.json')));
const built = spawnSync(
  process.execPath,
  [tsc, '-b', ...projects.map((dir) => join(dir, 'tsconfig.build.json'))],
  {
    stdio: 'inherit',
  },
);
if (built.status !== 0) process.exit(built.status ?? 1);

for (const dir of projects) {
  const src = join(dir, 'src');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && !entry.name.endsWith('.ts')) {
      const from = join(entry.parentPath, entry.name);
      cpSync(from, join(dir, 'dist', relative(src, from)));
    }
}
