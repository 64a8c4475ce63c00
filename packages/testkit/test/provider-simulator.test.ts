import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ProviderSimulator, pollUntil, type SimStep, startProviderSimulator } from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

let sim: ProviderSimulator;
let openai: OpenAI;
let anthropic: Anthropic;

const clientsFor = (s: ProviderSimulator) => ({
  openai: new OpenAI({ apiKey: 'sk-test', baseURL: s.openaiBaseURL, maxRetries: 0, timeout: 300 }),
  anthropic: new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: s.anthropicBaseURL,
    maxRetries: 0,
    timeout: 300,
  }),
});

beforeAll(async () => {
  sim = await startProviderSimulator();
  ({ openai, anthropic } = clientsFor(sim));
});
afterAll(() => sim?.close());
beforeEach(() => sim.reset());

const messages = [{ role: 'user' as const, content: 'hi' }];
const chat = (model: string) => openai.chat.completions.create({ model, messages });
const ask = (model: string) => anthropic.messages.create({ model, max_tokens: 10, messages });

async function streamText(model: string, include_usage = false) {
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  const stream = await openai.chat.completions.create({
    model,
    messages,
    stream: true,
    stream_options: { include_usage },
  });
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage ??= chunk.usage;
  }
  return { text, usage };
}

describe('success in both wire formats', () => {
  const step: SimStep = {
    kind: 'success',
    text: 'one two three four five',
    usage: { inputTokens: 5, outputTokens: 7 },
  };

  it('OpenAI: a completion with usage and a request id, and the same text streamed in several chunks', async () => {
    sim.script('o', step);
    const { data, response } = await chat('o').withResponse();
    expect(data.choices[0]!.message.content).toBe('one two three four five');
    expect(data.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(response.headers.get('x-request-id')).toMatch(/^req-/);
    expect(await streamText('o')).toEqual({ text: 'one two three four five', usage: undefined });
    expect((await streamText('o', true)).usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 7 });
  });

  it('Anthropic: a message with usage, and the same text through the SSE event sequence', async () => {
    sim.script('a', step);
    const message = await ask('a');
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'one two three four five' });
    expect(message.usage).toMatchObject({ input_tokens: 5, output_tokens: 7 });
    expect(message._request_id).toMatch(/^req_/);

    const stream = anthropic.messages.stream({ model: 'a', max_tokens: 10, messages });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ text: 'one two three four five' });
    expect(final.usage).toMatchObject({ input_tokens: 5, output_tokens: 7 });
    expect(deltas.length).toBeGreaterThan(1);
  });

  it('an unscripted model gets the default, a success unless setDefault says otherwise', async () => {
    expect((await chat('anything')).choices[0]!.message.content).toMatch(/simulator/);
    sim.setDefault({ kind: 'http', status: 503, body: { error: { message: 'down for all' } } });
    await expect(chat('anything')).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe('model lookups, as health probes use them', () => {
  it('retrieve answers any model in the format of the SDK that asks', async () => {
    expect(await openai.models.retrieve('gpt-x')).toMatchObject({ id: 'gpt-x', object: 'model' });
    expect(await anthropic.models.retrieve('claude-x')).toMatchObject({ id: 'claude-x', type: 'model' });
  });

  it('a scripted failure applies to retrieve too, and list names the scripted models', async () => {
    sim.script('gone', {
      kind: 'http',
      status: 404,
      body: { error: { message: 'gone', code: 'model_not_found' } },
    });
    await expect(openai.models.retrieve('gone')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const listed = [];
    for await (const model of openai.models.list()) listed.push(model.id);
    expect(listed).toEqual(['gone']);
  });
});

describe('scripted failures reach the SDKs as the providers would send them', () => {
  it('a 429 with retry-after arrives as RateLimitError carrying the header', async () => {
    sim.script('r', {
      kind: 'http',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const error = await chat('r').catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('7');
    expect(error.code).toBe('rate_limit_exceeded');
  });

  it.each([
    ['OpenAI', () => chat('reset'), () => chat('hang'), OpenAI],
    ['Anthropic', () => ask('reset'), () => ask('hang'), Anthropic],
  ] as const)(
    '%s: a reset is an APIConnectionError, a hang hits the timeout',
    async (_, reset, hang, sdk) => {
      sim.script('reset', { kind: 'reset' });
      sim.script('hang', { kind: 'hang' });
      const error = await reset().catch((e) => e);
      expect(error).toBeInstanceOf(sdk.APIConnectionError);
      expect(error).not.toBeInstanceOf(sdk.APIConnectionTimeoutError);
      expect(error.cause?.cause?.code).toBe('ECONNRESET');
      await expect(hang()).rejects.toBeInstanceOf(sdk.APIConnectionTimeoutError);
    },
  );

  it('OpenAI-compatible stream: content chunks, then an error line the SDK throws while iterating', async () => {
    sim.script('so', {
      kind: 'stream-error',
      afterChunks: 2,
      error: { message: 'upstream overloaded', code: 502 },
    });
    const chunks: string[] = [];
    const iterate = async () => {
      const stream = await openai.chat.completions.create({ model: 'so', messages, stream: true });
      for await (const c of stream) chunks.push(c.choices[0]?.delta.content ?? '');
    };
    const error = await iterate().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.message).toMatch(/upstream overloaded/);
    expect(chunks.filter(Boolean)).toHaveLength(2);
  });

  it('Anthropic stream: an overloaded_error event mid-stream fails the stream', async () => {
    sim.script('sa', {
      kind: 'stream-error',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    const stream = anthropic.messages.stream({ model: 'sa', max_tokens: 10, messages });
    const error = await stream.finalMessage().catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it('a stream-error step answers a request that does not stream with a 500 carrying the error', async () => {
    sim.script('s500', { kind: 'stream-error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const error = await ask('s500').catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
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
    expect(error.message).toMatch(/502 Bad Gateway/);
  });
});

describe('a request without a key', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });

  it.each([
    ['/v1/chat/completions', { error: { type: 'invalid_request_error', code: null } }],
    ['/v1/messages', { type: 'error', error: { type: 'authentication_error' } }],
  ])('%s gets the provider 401', async (path, shape) => {
    const res = await post(path, { model: 'x' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject(shape);
    expect(sim.requests('x')[0]).toMatchObject({ path, authorized: false });
  });

  it('follows the script when the test scripted that model', async () => {
    sim.script('keyless', { kind: 'http', status: 503, body: { error: { message: 'down' } } });
    expect((await post('/v1/chat/completions', { model: 'keyless' })).status).toBe(503);
  });
});

describe('scripts', () => {
  it('are consumed one step per request in order, and the last step repeats', async () => {
    sim.script('seq', [
      { kind: 'http', status: 500, body: { error: { message: 'boom' } } },
      { kind: 'success', text: 'ok' },
    ]);
    await expect(chat('seq')).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect((await chat('seq')).choices[0]!.message.content).toBe('ok');
    expect((await chat('seq')).choices[0]!.message.content).toBe('ok');
  });

  it('record each request without the key; reset drops scripts and records', async () => {
    sim.script('rec', { kind: 'success', text: 'scripted' });
    await chat('rec');
    const [seen] = sim.requests('rec');
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      model: 'rec',
      stream: false,
      authorized: true,
    });
    expect(seen!.body).toMatchObject({ model: 'rec', messages });
    expect(JSON.stringify(sim.requests())).not.toContain('sk-test');

    sim.reset();
    expect(sim.requests()).toEqual([]);
    expect((await chat('rec')).choices[0]!.message.content).not.toBe('scripted');
  });
});

describe('the control API, for a simulator in another process', () => {
  const control = (path: string, body?: unknown) =>
    fetch(
      `${sim.url}/__sim/${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
    );

  it('scripts a model, lists the requests and resets', async () => {
    const scripted = await control('script', {
      model: 'remote',
      steps: [{ kind: 'http', status: 503, body: { error: { message: 'down' } } }],
    });
    expect(scripted.status).toBe(200);
    expect(await chat('remote').catch((e) => e.status)).toBe(503);
    const recorded = (await (await control('requests')).json()) as { model: string }[];
    expect(recorded.map((r) => r.model)).toEqual(['remote']);

    expect((await control('reset', {})).status).toBe(200);
    expect(sim.requests()).toEqual([]);
    expect((await chat('remote')).choices).toHaveLength(1);
  });

  it('refuses a bad script, naming what is wrong', async () => {
    const res = await control('script', { model: 'm', steps: [{ kind: 'http' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/steps\.0\.status/);
  });
});

describe('close()', () => {
  it('returns while a request hangs, failing that request', async () => {
    const own = await startProviderSimulator();
    own.script('hang', { kind: 'hang' });
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: own.openaiBaseURL,
      maxRetries: 0,
      timeout: 30_000,
    });
    const pending = client.chat.completions.create({ model: 'hang', messages }).catch((e) => e);
    await pollUntil('the request to arrive', () => own.requests('hang').length === 1);
    await own.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });
});

describe('main.ts, the simulator as its own process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('prints its URL, obeys the control API, and exits cleanly on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        'packages/testkit/src/provider-simulator/main.ts',
        '--port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (chunk) => {
        out += chunk;
        const found = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (found) resolve(found[0]);
      });
      child!.once('exit', (code) => reject(new Error(`main.ts exited early (${code})`)));
    });
    const scripted = await fetch(`${url}/__sim/script`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'm',
        steps: { kind: 'http', status: 429, headers: { 'retry-after': '1' } },
      }),
    });
    expect(scripted.status).toBe(200);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );

    const exited = new Promise((resolve) => child!.once('exit', (code, signal) => resolve(signal ?? code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
