import type { ModelSpec } from '@faultline/core';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { readProvidersFile } from '@faultline/providers';
import { ConfigError } from '@faultline/runtime';
import { type CheckLine, fail, ok, skip, warn } from './check.ts';

function problemText(error: unknown): string {
  if (!(error instanceof ConfigError)) throw error;
  return error.problems.map((p) => `${p.variable}: ${p.message}`).join('; ');
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** FAULTLINE_PROVIDERS_FILE parses; errors name the file and the entry's field. */
export function providersFileLine(env: NodeJS.ProcessEnv): CheckLine {
  const name = 'providers file';
  const path = env.FAULTLINE_PROVIDERS_FILE;
  if (!path) return skip(name, 'FAULTLINE_PROVIDERS_FILE unset: the built-in openai and anthropic only');
  try {
    const specs = readProvidersFile(path);
    return ok(name, `${path}: ${count(specs.length, 'provider')} (${specs.map((s) => s.name).join(', ')})`);
  } catch (error) {
    return fail(name, problemText(error));
  }
}

/** FAULTLINE_MODELS_FILE parses and every model names a configured provider; its models, for the key checks. */
export function modelsFile(env: NodeJS.ProcessEnv): { line: CheckLine; models: ModelSpec[] } {
  const name = 'models file';
  const path = env.FAULTLINE_MODELS_FILE;
  if (!path)
    return {
      line: warn(
        name,
        'FAULTLINE_MODELS_FILE unset: no model is probed, so a provider outage shows only in traffic',
      ),
      models: [],
    };
  try {
    const models = readModelsFile(path, env);
    const providers = [...new Set(models.map((m) => m.provider))];
    return {
      line: ok(name, `${path}: ${count(models.length, 'model')} of ${providers.join(', ') || 'no provider'}`),
      models,
    };
  } catch (error) {
    return { line: fail(name, problemText(error)), models: [] };
  }
}
