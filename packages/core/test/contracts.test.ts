import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AlertEvent,
  CONTRACT_SCHEMAS,
  ContractError,
  type ContractName,
  contractJsonSchema,
  GenerationJob,
  parseContract,
} from '../src/contracts/index.ts';

const validJob = { provider: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

function issuesOf(data: unknown): string[] {
  try {
    parseContract(GenerationJob, 'GenerationJob', data);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return (error as ContractError).issues.map((i) => i.path);
  }
  return [];
}

describe('GenerationJob validation names every bad field', () => {
  it.each([
    ['missing model', { ...validJob, model: undefined }, ['model']],
    ['empty messages', { ...validJob, messages: [] }, ['messages']],
    [
      'bad role and empty content',
      { ...validJob, messages: [{ role: 'bot', content: '' }] },
      ['messages[0].role', 'messages[0].content'],
    ],
    ['temperature out of range', { ...validJob, temperature: 3 }, ['temperature']],
    ['non-integer maxTokens', { ...validJob, maxTokens: 1.5 }, ['maxTokens']],
    ['unknown field', { ...validJob, prompt: 'x' }, ['prompt']],
    ['not an object', 'hello', ['(root)']],
  ])('%s', (_name, data, paths) => {
    expect(issuesOf(data)).toEqual(paths);
  });

  it('accepts a valid job and says so in the message when not', () => {
    expect(parseContract(GenerationJob, 'GenerationJob', validJob).model).toBe('gpt-4o-mini');
    expect(() => parseContract(GenerationJob, 'GenerationJob', { ...validJob, model: '' })).toThrow(
      /GenerationJob is invalid: model: must name the model/,
    );
  });
});

describe('AlertEvent', () => {
  const event = {
    id: 'gen:1:1',
    occurredAt: '2025-11-17T10:30:00.000Z',
    source: 'generation',
    operation: 'chat.completions',
    category: 'billing_quota',
    severity: 'CRITICAL',
    isRetryable: false,
    provider: 'openai',
    model: 'gpt-4o-mini',
    gateway: null,
    statusCode: 429,
    providerCode: 'insufficient_quota',
    reason: 'insufficient_quota',
    retryAfterMs: null,
    requestId: 'req_1',
    originalError: 'RateLimitError',
    message: 'You exceeded your current quota',
    recommendedActions: ['Add funds'],
    context: { circuit_breaker_state: 'open', success_rate: 0.5, error_count: 3 },
  };
  it('defaults state to firing and keeps health context', () => {
    const parsed = parseContract(AlertEvent, 'AlertEvent', event);
    expect(parsed.state).toBe('firing');
    expect(parsed.context?.circuit_breaker_state).toBe('open');
  });
  it.each([
    ['unknown category', { category: 'oops' }, 'category'],
    ['bad source', { source: 'cron' }, 'source'],
    ['bad time', { occurredAt: 'yesterday' }, 'occurredAt'],
    ['success rate above 1', { context: { success_rate: 2 } }, 'context.success_rate'],
  ])('rejects %s naming the field', (_name, patch, path) => {
    expect(() => parseContract(AlertEvent, 'AlertEvent', { ...event, ...patch })).toThrow(
      new RegExp(`${path.replace('.', '\\.')}:`),
    );
  });
});

describe('JSON Schema for producers in other languages', () => {
  it.each(Object.keys(CONTRACT_SCHEMAS) as ContractName[])(
    '%s: committed file matches the zod schema',
    (name) => {
      const committed = JSON.parse(
        readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8'),
      );
      // Regenerate with `pnpm faultline schema --write` after changing a contract.
      expect(committed).toEqual(contractJsonSchema(name));
    },
  );
});
