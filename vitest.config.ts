import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that start nothing (no Redis, provider simulator, SMTP server or child process): the `unit`
 * project, which `pnpm test:unit` runs in seconds. Every other test, a new one included, is
 * `integration` until it is listed here. Every test of packages/core is unit but the corpus replay,
 * which runs the real SDKs against the provider simulator.
 */
const UNIT_DIRS = ['packages/core/test'];
const NOT_UNIT = ['packages/core/test/corpus-replay.test.ts'];
const UNIT_FILES = [
  'packages/cli/test/doctor-lines.test.ts',
  'packages/cli/test/generate-exit-code.test.ts',
  'packages/client/test/alert-event-backoff.test.ts',
  'packages/client/test/lua-script.test.ts',
  'packages/providers/test/light-response.test.ts',
  'packages/reporter/test/outbox.test.ts',
  'packages/providers/test/providers-file.test.ts',
  'packages/runtime/test/config.test.ts',
  'packages/runtime/test/error-log.test.ts',
  'packages/runtime/test/logger.test.ts',
  'services/alerter-worker/test/alert-file.test.ts',
  'services/alerter-worker/test/config.test.ts',
  'services/alerter-worker/test/flush-retry.test.ts',
  'services/alerter-worker/test/mime.test.ts',
  'services/alerter-worker/test/pipeline.test.ts',
  'services/alerter-worker/test/sliding-count.test.ts',
  'services/health-probe-worker/test/models-file.test.ts',
  'services/ops/test/config.test.ts',
  'test/architecture.test.ts',
  'test/docs-links.test.ts',
  'test/settings-doc.test.ts',
  'test/env-example.test.ts',
];
const UNIT = [
  ...UNIT_DIRS.flatMap((dir) =>
    readdirSync(join(import.meta.dirname, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `${dir}/${f.replaceAll('\\', '/')}`),
  ),
  ...UNIT_FILES,
].filter((f) => !NOT_UNIT.includes(f));

/**
 * Workspace packages export `development` (their src/*.ts) before `default` (their compiled dist/):
 * tests always run the sources, never a stale or missing build, whatever NODE_ENV says.
 */
const conditions = ['development', 'module', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real servers (redis-server, SMTP, the provider simulator); two cores cannot run many at once.
    maxWorkers: 2,
    // `vitest run` runs both projects, each test file in exactly one; `--project unit` runs one of them.
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT],
        },
      },
    ],
  },
});
