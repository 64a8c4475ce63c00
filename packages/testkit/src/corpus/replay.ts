import { type ClientKind, callProvider } from './call-provider.ts';
import type { CorpusCase } from './load.ts';
import type { ReplayEnv } from './replay-env.ts';

/** Gateways whose label follows the upstream cause (shared/corpus/README.md, "Gateways"). */
const GATEWAYS = new Set([
  'openrouter',
  'litellm',
  'one-api',
  'truefoundry',
  'gemini-balance',
  'argo-proxy',
  'pollinations',
  'continue-proxy',
]);
/**
 * Providers with their own, not OpenAI-compatible, APIs or errors: replayed with plain fetch. Mistral's error
 * bodies lack the `error` key the openai SDK reads (it throws "400 status code (no body)"), while its own
 * clients (mistralai, mistral-vibe) keep them: replaying Mistral through the openai SDK would hide what users see.
 */
const FETCH_PROVIDERS = new Set(['gemini', 'vertex', 'bedrock', 'cohere', 'mistral']);
/** Anthropic, and the Claude Code proxies that serve its Messages API to Claude Code's Anthropic SDK. */
const ANTHROPIC_API = /anthropic|claude/;
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);
/** The client timeout of timeout cases: the server never answers, so this is how long a replay takes. */
const SHORT_TIMEOUT_MS = 300;
/** Every other case fails on its own; a generous timeout keeps a busy CI machine from turning it into a timeout. */
const TIMEOUT_MS = 10_000;
/** Framing headers describe the original response's bytes, not the body replayed here. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection']);

export function sdkFor(provider: string): ClientKind {
  if (ANTHROPIC_API.test(provider)) return 'anthropic';
  return FETCH_PROVIDERS.has(provider) ? 'fetch' : 'openai';
}

export interface ReplayContext {
  provider: string;
  gateway: string | null;
}

function servedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !FRAMING_HEADERS.has(name.toLowerCase())),
  );
}

let seq = 0;

/**
 * Replays one case the way shared/corpus/README.md asks: HTTP cases served by a local server and
 * read by the provider's real SDK (or fetch), network cases through a socket that really fails,
 * and cases with neither status nor socket code as an Error carrying their text.
 */
export async function replayCase(
  c: CorpusCase,
  env: ReplayEnv,
): Promise<{ thrown: unknown; context: ReplayContext }> {
  const context = { provider: c.provider, gateway: GATEWAYS.has(c.provider) ? c.provider : null };
  const client = sdkFor(c.provider);
  const model = `replay-${c.id}-${seq++}`;
  const call = { baseURL: env.sim.url, model, stream: false, timeoutMs: TIMEOUT_MS };

  if (c.kind === 'http' && c.status !== null) {
    if (c.status < 300 && client !== 'fetch') {
      // An SDK does not fail on a 2xx: a failure answered with 200 is an error event inside a stream.
      env.sim.script(model, {
        kind: 'stream-error',
        afterChunks: 1,
        error: c.body ?? { message: c.message },
      });
      return { thrown: await callProvider(client, { ...call, stream: true }), context };
    }
    // A null body with a message: the message is what the client showed of the response, so serve it.
    const body = c.body ?? c.message ?? undefined;
    env.sim.script(model, { kind: 'http', status: c.status, headers: servedHeaders(c.headers), body });
    return { thrown: await callProvider(client, call), context };
  }

  if (c.kind === 'network' && c.node_code) {
    const code = c.node_code;
    if (code === 'ECONNREFUSED') {
      return { thrown: await callProvider(client, { ...call, baseURL: await env.closedPortURL() }), context };
    }
    if (DNS_CODES.has(code)) {
      // .invalid never resolves (RFC 6761).
      return {
        thrown: await callProvider(client, { ...call, baseURL: 'http://faultline-replay.invalid' }),
        context,
      };
    }
    if (code === 'UND_ERR_SOCKET') {
      return { thrown: await callProvider(client, { ...call, baseURL: env.closesURL }), context };
    }
    if (TIMEOUT_CODES.has(code)) {
      env.sim.script(model, { kind: 'hang' });
      return { thrown: await callProvider(client, { ...call, timeoutMs: SHORT_TIMEOUT_MS }), context };
    }
    // ECONNRESET, EPIPE and other socket failures: the connection is reset under the request.
    env.sim.script(model, { kind: 'reset' });
    return { thrown: await callProvider(client, call), context };
  }

  // With no message, the body is what the client printed.
  const text = c.message ?? (c.body !== null && c.body !== undefined ? JSON.stringify(c.body) : null);
  return { thrown: new Error(text ?? c.node_code ?? 'Error'), context };
}
