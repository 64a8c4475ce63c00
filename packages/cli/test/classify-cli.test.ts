import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRepoProcess } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';

async function faultline(...args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = runRepoProcess(['packages/cli/src/main.ts', 'classify', ...args], {});
  return { code: await proc.exited, out: proc.output() };
}

describe('faultline classify --corpus FILE', () => {
  it('replays the bundled sample and prints accuracy and a confusion matrix', async () => {
    const { code, out } = await faultline('--corpus', 'examples/errors-sample.jsonl');
    expect({ code, out }).toMatchObject({ code: 0 });
    const accuracy = /^accuracy: (\d+)\/(\d+) \(\d+\.\d%\)$/m.exec(out);
    expect(accuracy, out).not.toBeNull();
    const [correct, total] = [Number(accuracy![1]), Number(accuracy![2])];
    expect(total).toBe(16);
    // The thresholds of the corpus test, on the sample a fresh clone has.
    expect(correct / total).toBeGreaterThanOrEqual(0.97);
    expect(out).toMatch(/^ {2}billing_quota +\d+\/\d+ +100\.0%$/m);
    expect(out).toMatch(/^ {2}authentication +\d+\/\d+ +100\.0%$/m);
    expect(out).toContain('confusion matrix (rows: expected, columns: classified):');
    // One row per category, each ending in a count or a dot per column.
    expect(out).toMatch(/^billing_quota(?: +(?:\d+|\.)){8}$/m);
    expect(out).toMatch(/^unknown(?: +(?:\d+|\.)){8}$/m);
  }, 60_000);

  it('a missing file exits 3 naming it', async () => {
    const { code, out } = await faultline('--corpus', 'examples/no-such-corpus.jsonl');
    expect(code).toBe(3);
    expect(out).toContain('--corpus examples/no-such-corpus.jsonl: no such file');
  });

  it('a bad line exits 3 naming file:line and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-cli-corpus-'));
    const path = join(dir, 'bad.jsonl');
    try {
      writeFileSync(path, `${JSON.stringify({ id: 'x-1', provider: 'openai', kind: 'socket' })}\n`);
      const { code, out } = await faultline('--corpus', path);
      expect(code).toBe(3);
      expect(out).toContain(`${path}:1: kind:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('faultline classify --provider P --status N --body JSON [--headers JSON]', () => {
  it('classifies a 429 insufficient_quota as billing_quota and prints the ClassifiedError as JSON', async () => {
    const body = {
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    };
    const { code, out } = await faultline(
      ...['--provider', 'openai', '--status', '429', '--body', JSON.stringify(body)],
      ...['--headers', '{"x-request-id":"req_abc123"}'],
    );
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(JSON.parse(out)).toMatchObject({
      category: 'billing_quota',
      severity: 'CRITICAL',
      isRetryable: false,
      provider: 'openai',
      statusCode: 429,
      providerCode: 'insufficient_quota',
      reason: 'insufficient_quota',
      requestId: 'req_abc123',
    });
  });

  it('takes an HTML page as the body', async () => {
    const { code, out } = await faultline(
      ...['--provider', 'openai', '--status', '502', '--body', '<html><title>502 Bad Gateway</title></html>'],
    );
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(JSON.parse(out)).toMatchObject({ category: 'server_error', statusCode: 502 });
  });

  it.each([
    [
      'a status that is not a number',
      ['--status', 'abc'],
      /--status must be an HTTP status from 100 to 599, got "abc"/,
    ],
    ['a status out of range', ['--status', '42'], /--status must be an HTTP status/],
    [
      'a body that opens as JSON but does not parse',
      ['--status', '400', '--body', '{"error":'],
      /--body must be JSON/,
    ],
    [
      'headers that are not JSON',
      ['--status', '429', '--headers', 'retry-after: 20'],
      /--headers must be JSON/,
    ],
  ])('%s exits 3 naming the flag', async (_name, args, message) => {
    const { code, out } = await faultline('--provider', 'openai', ...args);
    expect(code).toBe(3);
    expect(out).toMatch(message);
    expect(out).toContain('usage:');
  });
});

describe('faultline classify --message TEXT', () => {
  it('redacts a key quoted in the text from everything it prints', async () => {
    const key = 'sk-proj-Zx9Qw3Er7Ty1Ui5Op0As8Df2Gh6Jk4Lz';
    const { code, out } = await faultline(
      '--provider',
      'openai',
      '--message',
      `Incorrect API key provided: ${key}.`,
    );
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).not.toContain(key);
    expect(out).not.toContain('Zx9Qw3Er7Ty1');
    expect(JSON.parse(out)).toMatchObject({
      category: 'authentication',
      message: expect.stringMatching(/^Incorrect API key provided: \S*redacted/),
    });
  });
});

describe('faultline classify --explain', () => {
  it('prints the signals read, the layers peeled and the rule that decided, then the ClassifiedError', async () => {
    const key = 'sk-proj-Zx9Qw3Er7Ty1Ui5Op0As8Df2Gh6Jk4Lz';
    const { code, out } = await faultline(
      ...['--provider', 'openrouter', '--explain', '--message'],
      `litellm.RateLimitError: RateLimitError: OpenrouterException - Error code: 429 - {'error': {'message': 'You exceeded your current quota (key ${key}).', 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}`,
    );
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/^signals read:$/m);
    expect(out).toMatch(/^ {2}status +429 \(read from the text\)$/m);
    expect(out).toMatch(/^ {2}codes +.*insufficient_quota/m);
    expect(out).toMatch(/^ {2}classes +.*ratelimiterror/m);
    expect(out).toMatch(
      /^ {2}layers peeled +litellm\.RateLimitError › RateLimitError › OpenrouterException › status 429 › python-repr$/m,
    );
    expect(out).toMatch(/^ {2}unwrapped text +You exceeded your current quota/m);
    expect(out).toMatch(/^decided by:$/m);
    expect(out).toMatch(/^ {2}rule +billing$/m);
    expect(out).toMatch(/^ {2}confidence +documented_code$/m);
    expect(out).not.toContain('Zx9Qw3Er7Ty1');
    const json = JSON.parse(out.slice(out.indexOf('\n{') + 1));
    expect(json).toMatchObject({ category: 'billing_quota', rule: 'billing', confidence: 'documented_code' });
  });
});
