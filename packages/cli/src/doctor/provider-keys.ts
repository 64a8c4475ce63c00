import Anthropic from '@anthropic-ai/sdk';
import { classifyError, type ModelSpec } from '@faultline/core';
import { createProviderRegistry, loadProviderSpecs, type ProviderSpec } from '@faultline/providers';
import OpenAI from 'openai';
import { type CheckLine, fail, ok, skip, warn } from './check.ts';

const TIMEOUT_MS = 4000;

/** Where the provider is, without credentials a gateway URL may carry. */
function hostOf(spec: ProviderSpec): string {
  if (!spec.baseURL) return spec.kind === 'anthropic' ? 'api.anthropic.com' : 'api.openai.com';
  try {
    return new URL(spec.baseURL).host;
  } catch {
    return spec.name;
  }
}

/**
 * One free request with the key: the model lookup health probes use (`probe: models`) for the first
 * model of the models file on this provider, else the list of models. Neither is billed.
 */
async function lookUp(spec: ProviderSpec, key: string, model: ModelSpec | undefined, env: NodeJS.ProcessEnv) {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  if (model) {
    const registry = createProviderRegistry(env, { timeoutMs: TIMEOUT_MS });
    await registry.client(spec.name).retrieveModel(model.id, signal);
    return `GET /models/${model.id}`;
  }
  const options = { apiKey: key, baseURL: spec.baseURL ?? null, maxRetries: 0, timeout: TIMEOUT_MS };
  if (spec.kind === 'anthropic') await new Anthropic(options).models.list({ limit: 1 }, { signal });
  else await new OpenAI(options).models.list({ signal });
  return 'GET /models';
}

async function providerLine(
  spec: ProviderSpec,
  models: ModelSpec[],
  env: NodeJS.ProcessEnv,
): Promise<CheckLine> {
  const name = `provider ${spec.name}`;
  const key = env[spec.apiKeyEnv];
  const used = models.filter((m) => m.provider === spec.name);
  if (!key)
    return used.length
      ? fail(
          name,
          `${spec.apiKeyEnv} is not set, and the models file probes ${used.map((m) => m.id).join(', ')}: set it`,
        )
      : skip(name, `${spec.apiKeyEnv} unset, and no model in the models file uses it`);
  const model = used[0];
  try {
    const request = await lookUp(spec, key, model, env);
    return ok(name, `key in ${spec.apiKeyEnv} accepted by ${hostOf(spec)} (${request})`);
  } catch (error) {
    const c = classifyError(error, { provider: spec.name, model: model?.id ?? null, gateway: spec.gateway });
    const why = `${c.statusCode ?? 'no answer'}, ${c.category}/${c.reason}`;
    switch (c.category) {
      case 'authentication':
        return fail(name, `key in ${spec.apiKeyEnv} rejected by ${hostOf(spec)} (${why}): set a valid key`);
      case 'billing_quota':
        return fail(
          name,
          `key in ${spec.apiKeyEnv} accepted, but the account cannot pay (${why}): check billing`,
        );
      case 'network_error':
        return fail(
          name,
          `unreachable at ${hostOf(spec)} (${why}): check the network${spec.baseURL ? ' and its baseURL' : ''}`,
        );
      case 'model_error':
        return fail(
          name,
          `key in ${spec.apiKeyEnv} accepted, but ${hostOf(spec)} does not know model ${model?.id} (${why}): fix its id in FAULTLINE_MODELS_FILE`,
        );
      case 'rate_limit':
      case 'server_error':
        return warn(
          name,
          `${hostOf(spec)} could not answer now (${why}); the key was not checked: run doctor again later`,
        );
      default:
        return fail(name, `${hostOf(spec)} refused the lookup (${why})`);
    }
  }
}

/** Each configured provider's key, tried once; the key itself is never printed. */
export async function providerLines(models: ModelSpec[], env: NodeJS.ProcessEnv): Promise<CheckLine[]> {
  let specs: ProviderSpec[];
  try {
    specs = loadProviderSpecs(env);
  } catch {
    // The providers file line says what is wrong with it.
    return [];
  }
  return Promise.all(specs.map((spec) => providerLine(spec, models, env)));
}
