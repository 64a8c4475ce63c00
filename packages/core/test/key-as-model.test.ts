import { describe, expect, it } from 'vitest';
import { ContractError, GenerationJob, parseContract } from '../src/contracts/index.ts';

const job = (model: string) => ({ provider: 'openai', model, messages: [{ role: 'user', content: 'hi' }] });

function refusal(model: string): ContractError | null {
  try {
    parseContract(GenerationJob, 'GenerationJob', job(model));
    return null;
  } catch (error) {
    return error as ContractError;
  }
}

// A producer that swaps its arguments sends its key as the model: to the provider, and into the model's
// health in Redis, /metrics and the status page, which show model names as they are (review S6).
describe('a GenerationJob whose model is a key is refused before any call', () => {
  it.each([
    ['an OpenAI key', 'sk-proj-Jv7Qm2Xr9Lw4Tz6Nb1Kc8Hd3Fs5Pg0Ay'],
    ['an Anthropic key', 'sk-ant-api03-Jv7Qm2Xr9Lw4Tz6Nb1Kc8Hd3Fs5Pg0Ay'],
    ['a Google key', 'AIzaSyA1234567890abcdefghijklmnopq'],
    ['a Groq key', 'gsk_Jv7Qm2Xr9Lw4Tz6Nb1Kc8Hd3Fs5Pg0Ay'],
  ])('%s', (_name, model) => {
    const error = refusal(model);
    expect(error).toBeInstanceOf(ContractError);
    expect(error!.issues).toEqual([
      { path: 'model', message: expect.stringMatching(/looks like an API key/) },
    ]);
    expect(error!.message).not.toContain(model);
  });

  it.each([
    'gpt-4o-mini',
    'claude-3-5-sonnet-20241022',
    'accounts/fireworks/models/llama-v3p1-70b-instruct',
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'ft:gpt-4o-mini-2024-07-18:acme:support-bot:9xY2abCd',
    'openai/gpt-4o-mini',
    'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  ])('keeps the model name %s', (model) => {
    expect(refusal(model)).toBeNull();
  });
});
