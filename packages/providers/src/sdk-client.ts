import { cappedFetch } from './light-fetch.ts';
import type { ProviderSpec } from './provider-spec.ts';

export interface SdkClientOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  fetch?: typeof fetch;
}

/**
 * An official SDK's client, made on the first call, not at start-up: a process that never calls
 * this provider (`faultline start` checking settings, a worker whose models are all elsewhere) does
 * not keep the SDK resident (bench/runtime.ts measures it).
 */
/** What both SDKs' constructors take from Faultline. */
interface SdkOptions {
  apiKey: string;
  baseURL: string | null;
  maxRetries: number;
  timeout: number;
  fetch: typeof fetch;
}

export function lazySdkClient<Client>(
  load: () => Promise<{ default: new (options: SdkOptions) => Client }>,
  spec: ProviderSpec,
  apiKey: string,
  opts: SdkClientOptions,
): () => Promise<Client> {
  let client: Promise<Client> | undefined;
  return () => {
    client ??= load().then(
      ({ default: Sdk }) =>
        new Sdk({
          apiKey,
          baseURL: spec.baseURL ?? null,
          // BullMQ owns retries, so every failed attempt is seen and classified.
          maxRetries: 0,
          timeout: opts.timeoutMs,
          // Every answer, success or error, is read through it: one cap for the whole SDK path.
          fetch: opts.fetch ?? cappedFetch(opts.maxResponseBytes),
        }),
    );
    return client;
  };
}
