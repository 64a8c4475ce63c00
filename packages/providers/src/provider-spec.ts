import { readFileSync } from 'node:fs';
import { ConfigError } from '@faultline/runtime';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** How to reach one provider. `kind` says which official SDK speaks its wire format. */
export const ProviderSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, _ and - only'),
    kind: z.enum(['openai', 'anthropic']).default('openai'),
    baseURL: z.url({ error: 'expected an http(s) URL' }).optional(),
    /** The variable holding the key, never the key itself, so the file can be committed. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as OPENROUTER_API_KEY'),
    gateway: z.string().min(1).nullable().default(null),
  })
  .strict();
export type ProviderSpec = z.output<typeof ProviderSpec>;

const ProvidersFile = z.object({ providers: z.array(ProviderSpec) }).strict();

/** The two providers every install knows; their URLs follow the SDKs' own variables. */
export function builtInProviders(env: NodeJS.ProcessEnv): ProviderSpec[] {
  return [
    {
      name: 'openai',
      kind: 'openai',
      baseURL: env.OPENAI_BASE_URL || undefined,
      apiKeyEnv: 'OPENAI_API_KEY',
      gateway: null,
    },
    {
      name: 'anthropic',
      kind: 'anthropic',
      baseURL: env.ANTHROPIC_BASE_URL || undefined,
      apiKeyEnv: 'ANTHROPIC_API_KEY',
      gateway: null,
    },
  ];
}

/** Extra OpenAI-compatible providers (OpenRouter, Together, Groq …) from FAULTLINE_PROVIDERS_FILE (YAML or JSON). */
export function readProvidersFile(path: string): ProviderSpec[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      { variable: 'FAULTLINE_PROVIDERS_FILE', message: `cannot read ${path}: ${(error as Error).message}` },
    ]);
  }
  const parsed = ProvidersFile.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: 'FAULTLINE_PROVIDERS_FILE',
        message: `${path}: ${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || '(root)'}: ${issue.message}`,
      })),
    );
  }
  return parsed.data.providers;
}

export function loadProviderSpecs(env: NodeJS.ProcessEnv): ProviderSpec[] {
  const specs = new Map(builtInProviders(env).map((s) => [s.name, s]));
  const file = env.FAULTLINE_PROVIDERS_FILE;
  if (file) for (const spec of readProvidersFile(file)) specs.set(spec.name, spec);
  return [...specs.values()];
}
