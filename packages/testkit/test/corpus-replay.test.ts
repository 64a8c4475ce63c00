import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CorpusCase,
  corpusToReplay,
  type FetchedResponse,
  loadCorpus,
  type ReplayEnv,
  replayCase,
  sdkFor,
  startReplayEnv,
} from '../src/index.ts';

// Every file of the shared corpus; without it (a user's clone), the sample bundled with the repo.
const corpus = corpusToReplay();
console.log(`corpus replay reads ${corpus.why}`);

let env: ReplayEnv;
beforeAll(async () => {
  env = await startReplayEnv();
});
afterAll(() => env?.close());

const sdks = { openai: OpenAI, anthropic: Anthropic };

function causeChain(error: unknown): { name: string; code?: unknown }[] {
  const chain = [];
  for (
    let e = error as { name: string; code?: unknown; cause?: unknown } | undefined;
    e && chain.length < 8;
  ) {
    chain.push(e);
    e = e.cause as typeof e;
  }
  return chain;
}

/** The codes a real client reports for each socket failure the corpus names. */
const PLAUSIBLE_CODES: Record<string, RegExp> = {
  ECONNREFUSED: /^ECONNREFUSED$/,
  ECONNRESET: /^(ECONNRESET|UND_ERR_SOCKET)$/,
  UND_ERR_SOCKET: /^UND_ERR_SOCKET$/,
  // A resolver without network says "try again" where one with network says "not found".
  ENOTFOUND: /^(ENOTFOUND|EAI_AGAIN)$/,
  EAI_AGAIN: /^(ENOTFOUND|EAI_AGAIN)$/,
};
const isTimeoutCode = (code: string) => /TIMEDOUT|TIMEOUT/.test(code);

describe('loadCorpus', () => {
  it('throws naming file:line and the field of a bad line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-corpus-'));
    const path = join(dir, 'bad.jsonl');
    const good = {
      id: 'x-1',
      provider: 'openai',
      kind: 'http',
      status: 429,
      headers: {},
      body: null,
      message: 'slow down',
      node_code: null,
      expected: 'rate_limit',
      retryable: true,
    };
    writeFileSync(path, `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, kind: 'socket' })}\n`);
    try {
      expect(() => loadCorpus(path)).toThrow(`${path}:3: kind:`);
      writeFileSync(path, `${JSON.stringify(good)}\n`);
      expect(loadCorpus(path)).toEqual([good]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sdkFor', () => {
  it.each([
    ['anthropic', 'anthropic'],
    // Claude Code proxies serve Anthropic's Messages API to Claude Code's Anthropic SDK.
    ['freeclaudecode', 'anthropic'],
    ['openai', 'openai'],
    ['openrouter', 'openai'],
    ['azure', 'openai'],
    ['some-new-openai-compatible-host', 'openai'],
    ['gemini', 'fetch'],
    ['vertex', 'fetch'],
    ['bedrock', 'fetch'],
    ['cohere', 'fetch'],
    ['mistral', 'fetch'],
  ])('%s → %s', (provider, sdk) => expect(sdkFor(provider)).toBe(sdk));
});

function syntheticCase(provider: string, fields: Partial<CorpusCase>): CorpusCase {
  return {
    id: `synthetic-${provider}`,
    provider,
    kind: 'network',
    status: null,
    headers: {},
    body: null,
    message: null,
    node_code: null,
    expected: 'network_error',
    retryable: true,
    ...fields,
  };
}

describe('each socket failure is real, through every kind of client', () => {
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND'];
  it.each(['openai', 'anthropic', 'gemini'].flatMap((p) => codes.map((code) => [p, code] as const)))(
    '%s, %s',
    async (provider, code) => {
      const { thrown } = await replayCase(syntheticCase(provider, { node_code: code }), env);
      const sdk = sdkFor(provider);
      expect(thrown).toBeInstanceOf(sdk === 'fetch' ? TypeError : sdks[sdk].APIConnectionError);
      const seen = causeChain(thrown).map((e) => e.code);
      expect(
        seen.some((x) => typeof x === 'string' && PLAUSIBLE_CODES[code]!.test(x)),
        seen.join(', '),
      ).toBe(true);
    },
  );

  it.each(['openai', 'anthropic', 'gemini'])('%s, a timeout', async (provider) => {
    const { thrown } = await replayCase(syntheticCase(provider, { node_code: 'ETIMEDOUT' }), env);
    const sdk = sdkFor(provider);
    if (sdk === 'fetch') expect((thrown as Error).name).toBe('TimeoutError');
    else expect(thrown).toBeInstanceOf(sdks[sdk].APIConnectionTimeoutError);
  });
});

describe('an HTTP case read with fetch', () => {
  it('yields the response received: status, lowercase headers, JSON body parsed', async () => {
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' } };
    const c = syntheticCase('gemini', { kind: 'http', status: 429, headers: { 'Retry-After': '30' }, body });
    const { thrown } = await replayCase(c, env);
    expect(thrown).toMatchObject({ status: 429, headers: { 'retry-after': '30' }, body });
  });

  it('serves the message as the text body when the source kept no body', async () => {
    const c = syntheticCase('cohere', { kind: 'http', status: 503, message: 'upstream connect error' });
    const { thrown } = await replayCase(c, env);
    expect(thrown).toMatchObject({ status: 503, body: 'upstream connect error' });
  });
});

describe(`every case of ${corpus.files.map((f) => basename(f)).join(', ')} replays as a real client would receive it`, () => {
  const cases = corpus.files.flatMap((file) => loadCorpus(file));
  const table = (pick: (c: CorpusCase) => boolean) => cases.filter(pick).map((c) => [c.id, c] as const);

  it.each(table((c) => c.kind === 'http' && c.status !== null))('%s', async (_id, c) => {
    const { thrown, context } = await replayCase(c, env);
    expect(context.provider).toBe(c.provider);
    const sdk = sdkFor(c.provider);
    if (sdk === 'fetch') {
      expect((thrown as FetchedResponse).status).toBe(c.status);
      return;
    }
    expect(thrown).toBeInstanceOf(sdks[sdk].APIError);
    // A case answered with 2xx failed mid-stream: the SDK raises it from the event, with no status.
    expect((thrown as { status?: number }).status).toBe(c.status! < 300 ? undefined : c.status);
  });

  it.each(table((c) => c.kind === 'network' && c.node_code !== null))('%s', async (_id, c) => {
    const { thrown } = await replayCase(c, env);
    const sdk = sdkFor(c.provider);
    const code = c.node_code!;
    const chain = causeChain(thrown);
    if (isTimeoutCode(code)) {
      // The client's own timeout fires: the SDKs raise APIConnectionTimeoutError, fetch a TimeoutError.
      if (sdk === 'fetch') expect(chain[0]!.name).toBe('TimeoutError');
      else expect(thrown).toBeInstanceOf(sdks[sdk].APIConnectionTimeoutError);
      return;
    }
    if (sdk === 'fetch') expect(thrown).toBeInstanceOf(TypeError);
    else expect(thrown).toBeInstanceOf(sdks[sdk].APIConnectionError);
    const codes = chain.map((e) => e.code).filter((x): x is string => typeof x === 'string');
    expect(
      codes.some((x) => (PLAUSIBLE_CODES[code] ?? /^E|^UND_ERR_/).test(x)),
      codes.join(', '),
    ).toBe(true);
  });

  it.each(table((c) => (c.kind === 'http' ? c.status === null : c.node_code === null)))(
    '%s',
    async (_id, c) => {
      const { thrown } = await replayCase(c, env);
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toBe(c.message ?? JSON.stringify(c.body));
    },
  );

  it('names the gateway for gateway providers only', async () => {
    const [gateway] = cases.filter((c) => c.provider === 'openrouter');
    const [direct] = cases.filter((c) => c.provider === 'openai');
    if (gateway) expect((await replayCase(gateway, env)).context.gateway).toBe('openrouter');
    if (direct) expect((await replayCase(direct, env)).context.gateway).toBeNull();
  });
});
