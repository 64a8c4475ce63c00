import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRepoProcess } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';

describe('faultline start with a models-file entry naming an unknown provider', () => {
  it('exits 3 naming the entry, before starting any service or touching Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-start-models-'));
    const providers = join(dir, 'providers.yaml');
    writeFileSync(
      providers,
      'providers:\n  - name: acme\n    baseURL: http://127.0.0.1:9/v1\n    apiKeyEnv: ACME_API_KEY\n',
    );
    const models = join(dir, 'models.yaml');
    writeFileSync(
      models,
      'models:\n  - { id: gpt-4o-mini, provider: openai }\n  - { id: broke-model, provider: acmee }\n',
    );
    const start = runRepoProcess(['packages/cli/src/main.ts', 'start'], {
      // Nothing listens here: a Redis check or a started service would end otherwise (exit 4, or 1).
      REDIS_URL: 'redis://127.0.0.1:1',
      FAULTLINE_MODELS_FILE: models,
      FAULTLINE_PROVIDERS_FILE: providers,
      FAULTLINE_DATA_DIR: join(dir, 'data'),
    });
    expect(await start.exited, start.output()).toBe(3);
    expect(start.output()).toContain(
      `FAULTLINE_MODELS_FILE: ${models}: models[1] (broke-model).provider: unknown provider "acmee": configured are openai, anthropic, acme (add it to FAULTLINE_PROVIDERS_FILE)`,
    );
    expect(start.output()).not.toMatch(/started (generation|alerter|health-probe|ops)/);
    expect(start.output()).not.toMatch(/\n\s+at /);
  });
});
