import { existsSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultCorpusPath,
  loadCorpus,
  type ReplayEnv,
  replayCase,
  sdkFor,
  startReplayEnv,
} from '../src/index.ts';

const corpusPath = defaultCorpusPath();
const present = existsSync(corpusPath);
if (!present)
  console.warn(`corpus replay skipped: ${corpusPath} is absent (CI puts shared/ beside the repo)`);

let env: ReplayEnv;
beforeAll(async () => {
  env = await startReplayEnv();
});
afterAll(() => env?.close());

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string') codes.push(e.code);
  }
  return codes;
}

describe.runIf(present)('every corpus case replays as a real client would receive it', () => {
  const cases = present ? loadCorpus(corpusPath) : [];

  it.each(cases.filter((c) => c.kind === 'http' && c.status !== null).map((c) => [c.id, c] as const))(
    '%s',
    async (_id, c) => {
      const { thrown } = await replayCase(c, env);
      const sdk = sdkFor(c.provider);
      if (sdk === 'fetch') expect((thrown as { status: number }).status).toBe(c.status);
      else {
        expect(thrown).toBeInstanceOf(sdk === 'openai' ? OpenAI.APIError : Anthropic.APIError);
        // A 2xx case failed mid-stream: the SDK raises it from the event, with no status of its own.
        expect((thrown as { status: number }).status).toBe(c.status! < 300 ? undefined : c.status);
      }
    },
  );

  it.each(cases.filter((c) => c.kind === 'network' && c.node_code).map((c) => [c.id, c] as const))(
    '%s',
    async (_id, c) => {
      const { thrown } = await replayCase(c, env);
      expect(thrown).toBeInstanceOf(Error);
      const sdk = sdkFor(c.provider);
      if (sdk !== 'fetch')
        expect(thrown).toBeInstanceOf(
          sdk === 'openai' ? OpenAI.APIConnectionError : Anthropic.APIConnectionError,
        );
      const timeout = /TIMEDOUT|TIMEOUT/.test(c.node_code!);
      // A timeout is the SDK's own abort; every other failure carries the socket's code in its cause chain.
      if (!timeout) expect(causeCodes(thrown).join(' ')).toMatch(/ECONN|ENOTFOUND|EAI_AGAIN|UND_ERR/);
      else expect((thrown as Error).constructor.name).toMatch(/Timeout|Abort/);
    },
  );
});
