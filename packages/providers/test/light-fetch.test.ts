import { type ProviderSimulator, startProviderSimulator } from '@faultline/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lightFetch } from '../src/light-fetch.ts';

let sim: ProviderSimulator;
let sdk: OpenAI;
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

beforeAll(async () => {
  sim = await startProviderSimulator({ record: false });
  sdk = new OpenAI({ apiKey: 'sk-test', baseURL: sim.openaiBaseURL, maxRetries: 0, fetch: lightFetch });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('the SDK over lightFetch', () => {
  it('reads a completion, with the request id from its headers', async () => {
    sim.script('m', { kind: 'success', text: 'hello there' });
    const res = await sdk.chat.completions.create(ask);
    expect(res.choices[0]?.message.content).toBe('hello there');
    expect(res._request_id).toMatch(/^req-sim/);
  });

  it('reads an event stream piece by piece', async () => {
    sim.script('m', { kind: 'success', text: 'one two three' });
    const stream = await sdk.chat.completions.create({ ...ask, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two three');
  });

  it('an error mid-stream reaches the reader', async () => {
    sim.script('m', {
      kind: 'stream-error',
      afterChunks: 1,
      error: { message: 'overloaded', type: 'server_error' },
    });
    const stream = await sdk.chat.completions.create({ ...ask, stream: true });
    await expect(async () => {
      for await (const _ of stream);
    }).rejects.toThrow(/overloaded/);
  });

  it('an error answer becomes the SDK error with status, headers and body', async () => {
    sim.script('m', {
      kind: 'http',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
    });
    const error = await sdk.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const e = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.headers.get('retry-after')).toBe('7');
    expect(e.code).toBe('rate_limit_exceeded');
  });

  it('the SDK timeout aborts a request that hangs, as a timeout', async () => {
    sim.script('m', { kind: 'hang' });
    const error = await sdk.chat.completions.create(ask, { timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('a dropped connection is a connection error carrying its cause', async () => {
    sim.script('m', { kind: 'reset' });
    const error = await sdk.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('lightFetch itself', () => {
  it('refuses at once when its signal is already aborted, with the signal reason', async () => {
    const reason = new Error('stop');
    await expect(lightFetch(`${sim.url}/v1/models`, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });

  it('an abort while waiting rejects with the signal reason', async () => {
    sim.script('m', { kind: 'hang' });
    const controller = new AbortController();
    const pending = lightFetch(`${sim.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify(ask),
      signal: controller.signal,
    });
    const reason = new Error('enough');
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('an answer with no content is a real Response with no body', async () => {
    sim.script('m', { kind: 'http', status: 204 });
    const res = await lightFetch(`${sim.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: JSON.stringify(ask),
    });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('a HEAD request reads no body', async () => {
    const res = await lightFetch(`${sim.openaiBaseURL}/models/m`, {
      method: 'HEAD',
      headers: { authorization: 'Bearer sk-test' },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });
});
