import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ProviderSimulator, startProviderSimulator } from '../src/index.ts';

let sim: ProviderSimulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sim = await startProviderSimulator();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: sim.openaiBaseURL, maxRetries: 0, timeout: 300 });
  anthropic = new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: sim.anthropicBaseURL,
    maxRetries: 0,
    timeout: 300,
  });
});
afterAll(() => sim?.close());
beforeEach(() => sim.reset());

const chat = (model: string, stream = false) =>
  openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream } as never);

describe('success in both wire formats', () => {
  it('OpenAI, plain and streamed', async () => {
    sim.script('o', {
      kind: 'success',
      text: 'one two three four five',
      usage: { inputTokens: 5, outputTokens: 7 },
    });
    const res = (await chat('o')) as OpenAI.ChatCompletion;
    expect(res.choices[0]!.message.content).toBe('one two three four five');
    expect(res.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 7 });
    let text = '';
    for await (const chunk of (await chat(
      'o',
      true,
    )) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('one two three four five');
  });

  it('Anthropic, plain and streamed', async () => {
    sim.script('a', { kind: 'success', text: 'hello there friend' });
    const res = await anthropic.messages.create({
      model: 'a',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'hello there friend' });
    const stream = anthropic.messages.stream({
      model: 'a',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ text: 'hello there friend' });
  });

  it('model lookups in both formats', async () => {
    expect((await openai.models.retrieve('gpt-x')).id).toBe('gpt-x');
    expect((await anthropic.models.retrieve('claude-x')).id).toBe('claude-x');
  });
});

describe('scripted failures reach the SDKs as the providers would send them', () => {
  it('a 429 with retry-after arrives as RateLimitError carrying the header', async () => {
    sim.script('r', {
      kind: 'http',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } },
    });
    const error = await chat('r').catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('7');
    expect(error.code).toBe('rate_limit_exceeded');
  });

  it('a reset is an APIConnectionError, a hang an APIConnectionTimeoutError', async () => {
    sim.script('reset', { kind: 'reset' });
    sim.script('hang', { kind: 'hang' });
    const reset = await chat('reset').catch((e) => e);
    expect(reset).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(reset).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(await chat('hang').catch((e) => e)).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('an error mid-stream is thrown while iterating (OpenAI and Anthropic)', async () => {
    sim.script('so', {
      kind: 'stream-error',
      afterChunks: 1,
      error: { message: 'upstream overloaded', code: 502 },
    });
    const chunks: unknown[] = [];
    const iterate = async () => {
      for await (const c of (await chat('so', true)) as unknown as AsyncIterable<unknown>) chunks.push(c);
    };
    await expect(iterate()).rejects.toThrow(/upstream overloaded/);
    expect(chunks.length).toBeGreaterThan(0);

    sim.script('sa', {
      kind: 'stream-error',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    const stream = anthropic.messages.stream({
      model: 'sa',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });

  it('an HTML error page is served as text', async () => {
    sim.script('html', {
      kind: 'http',
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html><h1>502 Bad Gateway</h1></html>',
    });
    const error = await chat('html').catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.message).toMatch(/502/);
  });

  it('a request without a key gets a 401 in the provider format', async () => {
    const res = await fetch(`${sim.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});

describe('scripts', () => {
  it('steps are consumed in order and the last one repeats; requests are recorded without keys', async () => {
    sim.script('seq', [
      { kind: 'http', status: 500, body: { error: { message: 'boom' } } },
      { kind: 'success', text: 'ok' },
    ]);
    await expect(chat('seq')).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(((await chat('seq')) as OpenAI.ChatCompletion).choices[0]!.message.content).toBe('ok');
    expect(((await chat('seq')) as OpenAI.ChatCompletion).choices[0]!.message.content).toBe('ok');
    const seen = sim.requests('seq');
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      authorized: true,
      stream: false,
    });
    expect(JSON.stringify(seen)).not.toContain('sk-test');
  });

  it('can be scripted from another process through the control API', async () => {
    const res = await fetch(`${sim.url}/__sim/script`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'remote',
        steps: [{ kind: 'http', status: 503, body: { error: { message: 'down' } } }],
      }),
    });
    expect(res.status).toBe(200);
    expect(await chat('remote').catch((e) => e.status)).toBe(503);
    const recorded = (await (await fetch(`${sim.url}/__sim/requests`)).json()) as { model: string }[];
    expect(recorded.map((r) => r.model)).toContain('remote');
  });
});
