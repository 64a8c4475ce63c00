import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { OpsConfig } from '@faultline/ops/config';
import { loadConfig } from '@faultline/runtime';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
const env = parseEnv(example) as Record<string, string>;
const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));

describe('.env.example', () => {
  it.each([
    ['generation', GenerationConfig],
    ['alerter', AlerterConfig],
    ['health-probe', HealthProbeConfig],
    ['ops', OpsConfig],
  ] as const)('is a valid configuration of the %s service, as shipped', (_name, schema) => {
    expect(() => loadConfig(schema, env)).not.toThrow();
  });

  it.each([
    ['generation', GenerationConfig],
    ['alerter', AlerterConfig],
    ['health-probe', HealthProbeConfig],
    ['ops', OpsConfig],
  ] as const)('lists every setting the %s service reads', (_name, schema) => {
    const shape = (schema as unknown as { shape: Record<string, unknown> }).shape;
    expect(Object.keys(shape).filter((k) => !listed.has(k))).toEqual([]);
  });
});
