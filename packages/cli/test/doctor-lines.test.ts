import { describe, expect, it } from 'vitest';
import { type CheckLine, fail, ok, skip, warn } from '../src/doctor/check.ts';
import { isExampleAddress } from '../src/doctor/recipients.ts';
import { versionLine } from '../src/doctor/redis.ts';
import { renderLines, summaryOf } from '../src/doctor/render.ts';
import { parseDsn } from '../src/doctor/sentry-dsn.ts';

const times = (n: number, line: CheckLine) => Array.from({ length: n }, () => line);

describe('the summary line counts problems and warnings, in the right number', () => {
  it.each([
    [0, 0, 'no problems'],
    [0, 1, 'no problems, 1 warning'],
    [1, 0, '1 problem'],
    [2, 1, '2 problems, 1 warning'],
    [1, 3, '1 problem, 3 warnings'],
  ])('%i failed, %i warned: "%s"', (problems, warnings, expected) => {
    const lines = [
      ok('a', ''),
      skip('b', ''),
      ...times(problems, fail('c', '')),
      ...times(warnings, warn('d', '')),
    ];
    expect(summaryOf(lines)).toBe(expected);
  });

  it('lines are aligned, and plain text when colours are off', () => {
    const text = renderLines([ok('Redis', 'reachable'), fail('Redis version', 'too old')], false);
    expect(text).toBe('✓ Redis          reachable\n✗ Redis version  too old\n\n1 problem\n');
  });
});

describe('a Sentry DSN is checked for its shape, and only its host and project are shown', () => {
  it.each([
    ['https://abc123@o0.ingest.sentry.io/42', { host: 'o0.ingest.sentry.io', project: '42' }],
    ['https://abc123@sentry.acme.io:9000/sentry/7', { host: 'sentry.acme.io:9000', project: '7' }],
    ['o0.ingest.sentry.io/42', { problem: expect.stringMatching(/^not a URL/) }],
    [
      'ftp://abc@o0.ingest.sentry.io/42',
      { problem: expect.stringMatching(/^protocol ftp: is not http or https/) },
    ],
    ['https://o0.ingest.sentry.io/42', { problem: expect.stringMatching(/^no public key before the @/) }],
    ['https://abc123@o0.ingest.sentry.io/', { problem: expect.stringMatching(/^no project id/) }],
    [
      'https://abc123@o0.ingest.sentry.io/proj',
      { problem: expect.stringMatching(/^the project id "proj" is not a number/) },
    ],
  ])('%s', (dsn, expected) => {
    expect(parseDsn(dsn)).toEqual(expected);
  });
});

describe('example mail addresses are recognised', () => {
  it.each([
    ['oncall@localhost', true],
    ['team@example.com', true],
    ['team@mail.example.org', true],
    ['x@acme.test', true],
    ['oncall@acme.io', false],
    ['ops@examples.com', false],
  ])('%s: %s', (address, example) => {
    expect(isExampleAddress(address)).toBe(example);
  });
});

describe("Redis's version against BullMQ's minimum (5.0.0) and recommendation (6.2.0)", () => {
  it.each([
    ['4.0.14', 'fail'],
    ['5.0.0', 'warn'],
    ['6.0.9', 'warn'],
    ['6.2.0', 'ok'],
    ['7.2.4', 'ok'],
  ])('%s: %s', (version, status) => {
    expect(versionLine(version, 'Redis').status).toBe(status);
  });
});
