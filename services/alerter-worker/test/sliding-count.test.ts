import { describe, expect, it } from 'vitest';
import { slidingCount } from '../src/rate-limit-window.ts';

const W = 60_000;
describe('rate limits counted over a sliding window from two fixed ones', () => {
  it.each([
    ['at the start of a window the previous one counts whole', 10 * W, 4, 10, 14],
    ['half way through, half of the previous one', 10 * W + W / 2, 4, 10, 9],
    ['at its end almost none of it', 11 * W - 1, 4, 10, 4],
    ['nothing stored is zero', 10 * W + 5, null, undefined, 0],
    ['Redis strings are numbers', 10 * W + W / 4, '2', '8', 8],
  ] as const)('%s', (_name, now, current, previous, expected) => {
    expect(slidingCount(now, W, current, previous)).toBeCloseTo(expected, 3);
  });
});
