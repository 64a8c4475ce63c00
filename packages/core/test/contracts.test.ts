import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AlertEvent,
  CONTRACT_LIMITS,
  CONTRACT_SCHEMAS,
  ContractError,
  type ContractName,
  contractJsonSchema,
  fitAlertEvent,
  GenerationJob,
  generationJobSchema,
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

describe('GenerationJob bounds its sizes, naming the field', () => {
  const MiB = 1_048_576;
  const content = (bytes: number) => 'x'.repeat(bytes);
  it.each([
    ['a model name over 256 characters', { model: 'm'.repeat(257) }, 'model', /at most 256/],
    ['a provider name over 64 characters', { provider: 'p'.repeat(65) }, 'provider', /at most 64/],
    [
      'more than 1,000 messages',
      { messages: Array.from({ length: 1001 }, () => ({ role: 'user', content: 'x' })) },
      'messages',
      /at most 1000 messages/,
    ],
    [
      'a prompt over 1 MiB (PROMPT_MAX_BYTES)',
      { messages: [{ role: 'user', content: content(MiB + 1) }] },
      'messages',
      /1048577 bytes, over the 1048576-byte limit \(PROMPT_MAX_BYTES\)/,
    ],
    [
      'a prompt over 1 MiB in several messages',
      {
        messages: [
          { role: 'system', content: content(MiB / 2) },
          { role: 'user', content: content(MiB / 2 + 1) },
        ],
      },
      'messages',
      /over the 1048576-byte limit/,
    ],
    [
      'a prompt counted in UTF-8 bytes, not characters',
      { messages: [{ role: 'user', content: 'é'.repeat(MiB / 2 + 1) }] },
      'messages',
      /1048578 bytes/,
    ],
    [
      'metadata with more than 50 keys',
      { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
      'metadata',
      /at most 50 keys/,
    ],
    [
      'a metadata value over 1 KiB',
      { metadata: { note: 'n'.repeat(1025) } },
      'metadata.note',
      /at most 1024/,
    ],
    ['nested metadata', { metadata: { deep: { deeper: 1 } } }, 'metadata.deep', /./],
  ])('%s', (_name, patch, path, message) => {
    try {
      parseContract(GenerationJob, 'GenerationJob', { ...validJob, ...patch });
      expect.unreachable('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ContractError);
      const issue = (error as ContractError).issues.find((i) => i.path === path);
      expect(issue?.message, JSON.stringify((error as ContractError).issues)).toMatch(message);
    }
  });

  it('a 20 MB prompt is refused by its size, and the error quotes none of it', () => {
    const huge = { ...validJob, messages: [{ role: 'user', content: content(20 * MiB) }] };
    const error = (() => {
      try {
        parseContract(GenerationJob, 'GenerationJob', huge);
      } catch (e) {
        return e as ContractError;
      }
    })();
    expect(error?.issues).toEqual([
      { path: 'messages', message: expect.stringMatching(/20971520 bytes, over the 1048576-byte limit/) },
    ]);
    expect(error!.message.length).toBeLessThan(200);
  });

  it('the limit is configurable (PROMPT_MAX_BYTES), and exactly at it is accepted', () => {
    const small = generationJobSchema({ promptMaxBytes: 10 });
    expect(() =>
      parseContract(small, 'GenerationJob', {
        ...validJob,
        messages: [{ role: 'user', content: content(10) }],
      }),
    ).not.toThrow();
    expect(() =>
      parseContract(small, 'GenerationJob', {
        ...validJob,
        messages: [{ role: 'user', content: content(11) }],
      }),
    ).toThrow(/messages: the contents total 11 bytes, over the 10-byte limit/);
    expect(CONTRACT_LIMITS.promptBytes).toBe(MiB);
  });
});

describe('AlertEvent bounds its strings, naming the field', () => {
  const event = {
    id: 'gen:1:1',
    occurredAt: '2025-11-17T10:30:00.000Z',
    source: 'generation',
    operation: 'chat.completions',
    category: 'server_error',
    severity: 'HIGH',
    isRetryable: true,
    provider: 'openai',
    model: 'gpt-4o-mini',
    gateway: null,
    statusCode: 500,
    providerCode: null,
    reason: 'internal_error',
    retryAfterMs: null,
    requestId: null,
    originalError: 'InternalServerError',
    message: 'boom',
    recommendedActions: ['Retry'],
  };
  it.each([
    ['a 1 MB message', { message: 'x'.repeat(1_000_000) }, 'message'],
    ['a provider over 64 characters', { provider: 'p'.repeat(65) }, 'provider'],
    ['a model over 256 characters', { model: 'm'.repeat(257) }, 'model'],
    ['a long provider code', { providerCode: 'c'.repeat(129) }, 'providerCode'],
    ['a long reason', { reason: 'r'.repeat(129) }, 'reason'],
    ['a long request id', { requestId: 'q'.repeat(257) }, 'requestId'],
    ['a long error name', { originalError: 'E'.repeat(129) }, 'originalError'],
    ['a long id', { id: 'i'.repeat(513) }, 'id'],
    ['21 recommended actions', { recommendedActions: Array(21).fill('a') }, 'recommendedActions'],
    ['a long recommended action', { recommendedActions: ['a'.repeat(513)] }, 'recommendedActions[0]'],
    ['a long context string', { context: { note: 'n'.repeat(4097) } }, 'context.note'],
    [
      'a context of 51 fields',
      { context: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i])) },
      'context',
    ],
  ])('%s', (_name, patch, path) => {
    try {
      parseContract(AlertEvent, 'AlertEvent', { ...event, ...patch });
      expect.unreachable('accepted');
    } catch (error) {
      expect((error as ContractError).issues.map((i) => i.path)).toContain(path);
      expect((error as ContractError).message.length).toBeLessThan(300);
    }
  });

  it('our own producers cut what they quote to fit, so the alerter never refuses their event', () => {
    const fitted = fitAlertEvent({
      ...(event as AlertEvent),
      model: 'm'.repeat(20_000_000),
      providerCode: 'c'.repeat(1000),
      message: 'x'.repeat(10_000),
      recommendedActions: Array(30).fill('do it'),
      context: { error_message: 'e'.repeat(10_000), model_id: 'm'.repeat(300) },
    });
    expect(() => parseContract(AlertEvent, 'AlertEvent', fitted)).not.toThrow();
    expect(fitted.model).toHaveLength(CONTRACT_LIMITS.model);
    expect(fitted.model!.endsWith('…')).toBe(true);
    expect(fitted.message).toHaveLength(CONTRACT_LIMITS.message);
    expect(fitted.recommendedActions).toHaveLength(CONTRACT_LIMITS.actions);
    // What fits is left alone.
    expect(fitAlertEvent(event as AlertEvent)).toEqual(event);
  });
});
