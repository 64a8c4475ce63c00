import { describeEgress, type Egress, egressAgentOptions, egressFromEnv, proxied } from '@faultline/runtime';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { AGENT_OPTIONS, cappedFetch, ResponseTooLargeError, tooLargeResponse } from './light-fetch.ts';

/** How the SDKs reach providers, chosen once from env (FAULTLINE_TRANSPORT, HTTPS_PROXY, ...). */
export interface ProviderTransport {
  egress: Egress;
  /** What start-up logs: proxies as host:port, never their credentials. */
  describe(): Record<string, string>;
  /** A `fetch` for the SDKs whose answers are cut off past `maxBytes` (PROVIDER_RESPONSE_MAX_BYTES). */
  fetch(maxBytes: number): typeof fetch;
}

/**
 * undici's EnvHttpProxyAgent when a proxy is set: it tunnels https:// with CONNECT, sends
 * Proxy-Authorization from the URL's `user:pass@`, and skips hosts NO_PROXY names (exact host or a
 * subdomain of it, `host:port` for one port only, `*` alone for every host; no CIDR ranges).
 */
export function egressDispatcher(egress: Egress): Dispatcher {
  const opts = { ...AGENT_OPTIONS, ...egressAgentOptions(egress) };
  return proxied(egress) ? new EnvHttpProxyAgent(opts) : new Agent(opts);
}

/**
 * FAULTLINE_TRANSPORT=fetch: the platform's own fetch with no dispatcher of ours, for a place where
 * undici's sockets misbehave. The answer cap holds as in light-fetch.ts: an answer gathered past it
 * becomes the same response_too_large answer, an event stream past it errors its reader.
 */
function platformFetch(maxBytes: number): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const tooLarge = (read: number) => tooLargeResponse(res.status, new Headers(res.headers), read, maxBytes);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body.cancel();
      return tooLarge(0);
    }
    let read = 0;
    const head = { status: res.status, statusText: res.statusText, headers: res.headers };
    if (res.headers.get('content-type')?.includes('text/event-stream')) {
      const counted = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            read += chunk.byteLength;
            if (read <= maxBytes) out.enqueue(chunk);
            else
              out.error(
                new ResponseTooLargeError(
                  `the provider's event stream went over PROVIDER_RESPONSE_MAX_BYTES (${maxBytes} bytes)`,
                ),
              );
          },
        }),
      );
      return withUrl(new Response(counted, head), res.url);
    }
    const chunks: Uint8Array[] = [];
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      if (read > maxBytes) {
        await reader.cancel();
        return tooLarge(read);
      }
      chunks.push(value);
    }
    const empty = res.status === 204 || res.status === 304;
    return withUrl(new Response(empty ? null : Buffer.concat(chunks), head), res.url);
  }) as typeof fetch;
}

const withUrl = (res: Response, url: string) => Object.defineProperty(res, 'url', { value: url });

/** A proxy that refused the CONNECT tunnel (407: wrong credentials; 403: a host it does not allow). */
export class ProxyTunnelError extends Error {
  override readonly name = 'ProxyTunnelError';
  // undici's family of codes: the classifier files it as a network_error / connection_error.
  readonly code = 'UND_ERR_PROXY_TUNNEL';
}

const STATUS_HINT: Record<number, string> = {
  // Not "authentication required": the classifier would blame the provider's API key.
  407: 'the proxy wants other credentials: set them in HTTPS_PROXY as http://user:password@host:port',
  403: 'Forbidden: the proxy does not allow this host',
};

/**
 * undici fails a refused CONNECT with a RequestAbortedError ("Proxy response (407) !== 200 when HTTP
 * Tunneling"), named AbortError: the SDKs then report "Request timed out". It becomes what it is.
 */
function namingProxyRefusals(inner: typeof fetch, proxy: string): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    inner(input, init).catch((error: unknown) => {
      const status = /^Proxy response \((\d+)\) !== 200/.exec((error as Error | null)?.message ?? '')?.[1];
      if (!status) throw error;
      const hint = STATUS_HINT[Number(status)];
      // Without undici's error as cause: the classifier would find its AbortError and say "aborted".
      throw new ProxyTunnelError(
        `the proxy ${proxy} refused the tunnel: HTTP ${status}${hint ? ` (${hint})` : ''}`,
      );
    })) as typeof fetch;
}

export function providerTransport(env: NodeJS.ProcessEnv = process.env): ProviderTransport {
  const egress = egressFromEnv(env);
  const describe = () => describeEgress(egress);
  if (egress.transport === 'fetch') return { egress, describe, fetch: platformFetch };
  const dispatcher = egressDispatcher(egress);
  if (!proxied(egress)) return { egress, describe, fetch: (maxBytes) => cappedFetch(maxBytes, dispatcher) };
  const proxy = describe().https!;
  return {
    egress,
    describe,
    fetch: (maxBytes) => namingProxyRefusals(cappedFetch(maxBytes, dispatcher), proxy),
  };
}
