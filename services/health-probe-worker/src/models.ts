import { readFileSync } from 'node:fs';
import { MIN_PROBE_INTERVAL_MS, type ModelSpec, modelsFileSchema, parseDuration } from '@faultline/core';
import { loadProviderSpecs } from '@faultline/providers';
import { ConfigError } from '@faultline/runtime';
import { parse as parseYaml } from 'yaml';

/** PROBE_INTERVAL_MIN (HealthProbeConfig checks it; `faultline health` reads the file without it). */
function minIntervalOf(env: NodeJS.ProcessEnv): number {
  const raw = env.PROBE_INTERVAL_MIN;
  if (!raw) return MIN_PROBE_INTERVAL_MS;
  const ms = parseDuration(raw, 'ms');
  if (ms === null)
    throw new ConfigError([
      { variable: 'PROBE_INTERVAL_MIN', message: 'expected a duration such as 500ms, 10s, 5m or 1h' },
    ]);
  return ms;
}

/**
 * The models to watch, from FAULTLINE_MODELS_FILE (YAML or JSON); errors name the entry and field.
 * Every entry's provider must be configured (built in, or in FAULTLINE_PROVIDERS_FILE of `env`): a
 * typo would otherwise start a worker whose probes of that model fail forever as "unknown provider".
 */
export function readModelsFile(path: string | undefined, env: NodeJS.ProcessEnv = process.env): ModelSpec[] {
  if (!path) return [];
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      { variable: 'FAULTLINE_MODELS_FILE', message: `cannot read ${path}: ${(error as Error).message}` },
    ]);
  }
  const parsed = modelsFileSchema({ minIntervalMs: minIntervalOf(env) }).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const [, index, field] = issue.path;
        const entry =
          typeof index === 'number'
            ? ((raw as { models: { id?: string }[] }).models[index]?.id ?? `#${index}`)
            : '';
        const where =
          typeof index === 'number'
            ? `models[${index}] (${entry})${field ? `.${String(field)}` : ''}`
            : issue.path.join('.') || '(root)';
        return { variable: 'FAULTLINE_MODELS_FILE', message: `${path}: ${where}: ${issue.message}` };
      }),
    );
  }
  const seen = new Set<string>();
  for (const m of parsed.data.models) {
    const key = `${m.provider}/${m.id}`;
    if (seen.has(key))
      throw new ConfigError([
        { variable: 'FAULTLINE_MODELS_FILE', message: `${path}: ${key} is listed twice` },
      ]);
    seen.add(key);
  }
  const known = loadProviderSpecs(env).map((s) => s.name);
  const unknown = parsed.data.models.flatMap((m, i) =>
    known.includes(m.provider)
      ? []
      : [
          {
            variable: 'FAULTLINE_MODELS_FILE',
            message:
              `${path}: models[${i}] (${m.id}).provider: unknown provider "${m.provider}": ` +
              `configured are ${known.join(', ')} (add it to FAULTLINE_PROVIDERS_FILE)`,
          },
        ],
  );
  if (unknown.length) throw new ConfigError(unknown);
  return parsed.data.models;
}
