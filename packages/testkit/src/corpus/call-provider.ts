import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

export type ClientKind = 'openai' | 'anthropic' | 'fetch';

export interface Call {
  baseURL: string;
  model: string;
  stream: boolean;
  timeoutMs: number;
}

const messages = [{ role: 'user' as const, content: 'hi' }];

async function viaOpenAI({ baseURL, model, stream, timeoutMs }: Call): Promise<void> {
  const client = new OpenAI({
    apiKey: 'sk-replay',
    baseURL: `${baseURL}/v1`,
    maxRetries: 0,
    timeout: timeoutMs,
  });
  if (!stream) {
    await client.chat.completions.create({ model, messages });
    return;
  }
  for await (const _ of await client.chat.completions.create({ model, messages, stream: true }));
}

async function viaAnthropic({ baseURL, model, stream, timeoutMs }: Call): Promise<void> {
  const client = new Anthropic({ apiKey: 'sk-ant-replay', baseURL, maxRetries: 0, timeout: timeoutMs });
  const params = { model, max_tokens: 16, messages };
  if (stream) await client.messages.stream(params).finalMessage();
  else await client.messages.create(params);
}

/** What a fetch-based client holds after a failed call: the response as received, not an exception. */
export interface FetchedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

async function viaFetch({ baseURL, model, timeoutMs }: Call): Promise<FetchedResponse> {
  const res = await fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer replay' },
    body: JSON.stringify({ model, messages }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

/** Calls the simulated provider with a real client and returns what it threw (fetch: what it received). */
export async function callProvider(client: ClientKind, call: Call): Promise<unknown> {
  try {
    if (client === 'fetch') return await viaFetch(call);
    await (client === 'openai' ? viaOpenAI(call) : viaAnthropic(call));
  } catch (error) {
    return error;
  }
  throw new Error(`replay of ${call.model} through ${client} did not fail: the case served a success`);
}
