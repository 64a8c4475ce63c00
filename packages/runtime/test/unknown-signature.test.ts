import { type ClassifiedError, classifyError } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { messageShape, needsTeaching, unknownSignature } from '../src/index.ts';

const unknown = (message: string, over: Partial<ClassifiedError> = {}): ClassifiedError => ({
  ...classifyError(new Error(message), { provider: 'acme' }),
  ...over,
});
describe('which verdicts an operator should see', () => {
  const c = unknown('x');
  it.each([
    ['unknown', { category: 'unknown', reason: 'unrecognized' }, true],
    ['a caller’s own abort', { category: 'unknown', reason: 'aborted' }, false],
    ['decided by the status alone', { category: 'invalid_request', confidence: 'status_only' }, true],
    ['decided by nothing', { category: 'server_error', confidence: 'fallback' }, true],
    ['a documented code', { category: 'billing_quota', confidence: 'documented_code' }, false],
    ['a text pattern', { category: 'rate_limit', confidence: 'text_pattern' }, false],
    ['a category with no confidence said', { category: 'rate_limit', confidence: undefined }, false],
    [
      'taught by the operator',
      { category: 'unknown', rule: 'operator:acme', confidence: 'status_only' },
      false,
    ],
  ] as const)('%s', (_name, over, expected) => {
    expect(needsTeaching({ ...c, ...over } as ClassifiedError)).toBe(expected);
  });
});

describe('a signature is provider, status, code and the message with what varies taken out', () => {
  it.each([
    ['ids and numbers', 'Wallet W-88213 is empty after 3 tries', 'wallet <id> is empty after <n> tries'],
    ['quoted values', `Model "gpt-4o-2024" is 'paused' for you`, `model "…" is '…' for you`],
    [
      'an apostrophe is no quote',
      "Your team doesn't have credits; isn't it",
      "your team doesn't have credits; isn't it",
    ],
    [
      'uuids and urls',
      'see https://acme.ai/x?id=9 for 3fa85f64-5717-4562-b3fc-2c963f66afa6',
      'see <url> for <id>',
    ],
    ['durations and sizes', 'timed out after 1.5s at 32k tokens', 'timed out after <n> at <n> tokens'],
    ['secrets', 'key sk-proj-abcdefghijklmnopqrst rejected', 'key [redacted-key] rejected'],
    ['spacing', '  wrapped\n   over\tlines ', 'wrapped over lines'],
  ])('%s', (_name, message, shape) => {
    expect(messageShape(message)).toBe(shape);
  });

  it('two occurrences of one error share it; another provider, status or code does not', () => {
    const a = unknownSignature(unknown('Wallet W-1 is empty (request req_01)'));
    expect(unknownSignature(unknown('Wallet W-2 is empty (request req_99)')).id).toBe(a.id);
    for (const other of [{ provider: 'acme-eu' }, { statusCode: 400 }, { providerCode: 'wallet_empty' }])
      expect(unknownSignature(unknown('Wallet W-1 is empty (request req_01)', other)).id).not.toBe(a.id);
  });
});
