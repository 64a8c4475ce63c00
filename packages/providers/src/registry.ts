import { anthropicClient } from './anthropic-client.ts';
import type { ProviderClient } from './completion.ts';
import { DEFAULT_RESPONSE_MAX_BYTES } from './light-fetch.ts';
import { openaiClient } from './openai-client.ts';
import { loadProviderSpecs, type ProviderSpec } from './provider-spec.ts';
import { providerTransport } from './transport.ts';

/** A provider the job names but the configuration does not know; the message lists the known ones. */
export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProviderError';
  constructor(provider: string, known: string[]) {
    super(
      `unknown provider "${provider}": configured providers are ${known.join(', ')} (add others in FAULTLINE_PROVIDERS_FILE)`,
    );
  }
}

/** A provider whose key variable is unset: an authentication failure the team must hear about. */
export class MissingApiKeyError extends Error {
  override readonly name = 'MissingApiKeyError';
  readonly status = 401;
  constructor(readonly variable: string) {
    super(`missing API key: ${variable} is not set`);
  }
}

export interface ProviderRegistry {
  specs: ProviderSpec[];
  spec(name: string): ProviderSpec;
  client(name: string): ProviderClient;
  /** How calls leave the machine (transport, proxies as host:port, CAs): for the start-up log. */
  egress: Record<string, string>;
}

export function createProviderRegistry(
  env: NodeJS.ProcessEnv,
  opts: {
    timeoutMs: number;
    /** PROVIDER_RESPONSE_MAX_BYTES: a longer answer is cut off and fails as a server error. */
    maxResponseBytes?: number;
  },
): ProviderRegistry {
  // Read once, with every client sharing its connections: a bad proxy or CA setting stops start-up here.
  const transport = providerTransport(env);
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_RESPONSE_MAX_BYTES;
  const clientOpts = {
    timeoutMs: opts.timeoutMs,
    maxResponseBytes,
    fetch: transport.fetch(maxResponseBytes),
  };
  const specs = loadProviderSpecs(env);
  const byName = new Map(specs.map((s) => [s.name, s]));
  // One SDK client per provider: it keeps its HTTP connections alive across jobs.
  const clients = new Map<string, ProviderClient>();
  const spec = (name: string) => {
    const s = byName.get(name);
    if (!s) throw new UnknownProviderError(name, [...byName.keys()]);
    return s;
  };
  return {
    specs,
    spec,
    egress: transport.describe(),
    client(name: string): ProviderClient {
      const cached = clients.get(name);
      if (cached) return cached;
      const s = spec(name);
      const key = env[s.apiKeyEnv];
      if (!key) throw new MissingApiKeyError(s.apiKeyEnv);
      const client =
        s.kind === 'anthropic' ? anthropicClient(s, key, clientOpts) : openaiClient(s, key, clientOpts);
      clients.set(name, client);
      return client;
    },
  };
}
