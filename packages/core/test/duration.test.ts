import { describe, expect, it } from 'vitest';
import { type DurationUnit, parseDuration } from '../src/index.ts';

describe('parseDuration', () => {
  it.each<[string, DurationUnit, number | null]>([
    ['250ms', 'ms', 250],
    ['10s', 'ms', 10_000],
    ['5m', 'ms', 300_000],
    ['1h', 'ms', 3_600_000],
    ['1.5s', 'ms', 1500],
    ['0.5ms', 'ms', 1],
    ['10 s', 'ms', 10_000],
    ['  30s ', 'ms', 30_000],
    ['6m0s', 's', 360_000],
    ['1h2m3s', 'ms', 3_723_000],
    ['9m38.016s', 's', 578_016],
    ['20ms', 's', 20],
    // A bare number is in the caller's unit: ms for settings, seconds for Retry-After style headers.
    ['60000', 'ms', 60_000],
    ['17', 's', 17_000],
    ['0.25', 's', 250],
    ['', 'ms', null],
    ['soon', 'ms', null],
    ['-5s', 'ms', null],
    ['5d', 'ms', null],
    ['1s junk', 's', null],
    ['junk 1s', 's', null],
    ['1s 2m', 'ms', null],
    ['10S', 'ms', null],
  ])('%j (bare numbers in %s) is %s ms', (text, bareUnit, expected) => {
    expect(parseDuration(text, bareUnit)).toBe(expected);
  });
});
