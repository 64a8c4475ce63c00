import type { Socket } from 'node:net';
import { createServer, type Server } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort } from '../free-port.ts';
import { type ProviderSimulator, startProviderSimulator } from '../provider-simulator/server.ts';
import type { CorpusCase } from './load.ts';

/** Gateways whose label follows the upstream cause (shared/corpus/README.md). */
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
/** Providers with no OpenAI-compatible error surface: replayed with plain fetch. */
const FETCH_PROVIDERS = new Set(['gemini', 'vertex', 'bedrock', 'cohere']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);
const CLIENT_TIMEOUT_MS = 300;

export function sdkFor(provider: string): 'openai' | 'anthropic' | 'fetch' {
  if (provider === 'anthropic') return 'anthropic';
  return FETCH_PROVIDERS.has(provider) ? 'fetch' : 'openai';
}

export interface ReplayEnv {
  sim: ProviderSimulator;
  /** Reads the request, then closes without answering: undici's "other side closed" (UND_ERR_SOCKET). */
  closesURL: string;
  closedPortURL: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`),
    ),
  );
}

export async function startReplayEnv(): Promise<ReplayEnv> {
  const sim = await startProviderSimulator({ record: false });
  const sockets = new Set<Socket>();
  const closes = createServer();
  closes.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => socket.end());
  });
  const closesURL = await listen(closes);
  const closedPortURL = `http://127.0.0.1:${await freePort()}`;
  return {
    sim,
    closesURL,
    closedPortURL,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([sim.close(), new Promise((r) => closes.close(r))]);
    },
  };
}

let seq = 0;

async function callWith(
  sdk: 'openai' | 'anthropic' | 'fetch',
  baseURL: string,
  model: string,
  stream = false,
): Promise<unknown> {
  try {
    if (sdk === 'openai') {
      const client = new OpenAI({
        apiKey: 'sk-replay',
        baseURL: `${baseURL}/v1`,
        maxRetries: 0,
        timeout: CLIENT_TIMEOUT_MS,
      });
      if (stream) {
        const chunks = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        });
        for await (const _ of chunks);
      } else await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    } else if (sdk === 'anthropic') {
      const client = new Anthropic({
        apiKey: 'sk-ant-replay',
        baseURL,
        maxRetries: 0,
        timeout: CLIENT_TIMEOUT_MS,
      });
      const params = { model, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };
      if (stream) await client.messages.stream(params).finalMessage();
      else await client.messages.create(params);
    } else {
      const res = await fetch(`${baseURL}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer replay' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: res.status, headers: Object.fromEntries(res.headers), body };
    }
  } catch (error) {
    return error;
  }
  throw new Error(`replay of ${model} did not fail`);
}

/**
 * Replays one case the way shared/corpus/README.md asks: HTTP cases served by a local server and
 * read by the provider's real SDK (or fetch), network cases through a socket that really fails,
 * and cases with neither status nor socket code as an Error carrying their text.
 */
export async function replayCase(
  c: CorpusCase,
  env: ReplayEnv,
): Promise<{ thrown: unknown; context: { provider: string; gateway: string | null } }> {
  const context = { provider: c.provider, gateway: GATEWAYS.has(c.provider) ? c.provider : null };
  const sdk = sdkFor(c.provider);
  const model = `replay-${seq++}`;
  if (c.kind === 'http' && c.status !== null && c.status < 300 && sdk !== 'fetch') {
    // A 2xx that failed is an error event inside a stream: replay it mid-stream.
    env.sim.script(model, {
      kind: 'stream-error',
      afterChunks: 1,
      error: c.body ?? { error: { message: c.message } },
    });
    return { thrown: await callWith(sdk, env.sim.url, model, true), context };
  }
  if (c.kind === 'http' && c.status !== null) {
    // A null body with a message: the message is what the client showed of the response, so serve it.
    const body = c.body ?? c.message ?? undefined;
    env.sim.script(model, { kind: 'http', status: c.status, headers: c.headers, body });
    return { thrown: await callWith(sdk, env.sim.url, model), context };
  }
  if (c.kind === 'network' && c.node_code) {
    const code = c.node_code;
    let baseURL = env.sim.url;
    if (code === 'ECONNREFUSED') baseURL = env.closedPortURL;
    else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') baseURL = 'http://faultline-replay.invalid';
    else if (code === 'UND_ERR_SOCKET') baseURL = env.closesURL;
    else if (TIMEOUT_CODES.has(code)) env.sim.script(model, { kind: 'hang' });
    else env.sim.script(model, { kind: 'reset' });
    return { thrown: await callWith(sdk, baseURL, model), context };
  }
  // With no message, the body is what the client printed.
  const text = c.message ?? (c.body !== null && c.body !== undefined ? JSON.stringify(c.body) : null);
  return { thrown: new Error(text ?? c.node_code ?? 'Error'), context };
}
