import { describe, expect, it } from 'vitest';
import { NO_STORM, nextStorm, type StormState } from '../src/health/index.ts';

const CFG = { windowMs: 1000, threshold: 2 };

/** Each change: `+a@100` model a enters at 100 ms, `-a@300` it leaves (recovers). */
function replayStorm(changes: string[], cfg = CFG) {
  let state: StormState = NO_STORM;
  return changes.map((c) => {
    const [, sign, model, at] = /^([+-])(\w+)@(\d+)$/.exec(c)!;
    const step = nextStorm(state, { op: sign === '+' ? 'enter' : 'leave', model: model! }, Number(at), cfg);
    state = step.state;
    return `${step.count}${step.outcome ? ` ${step.outcome}` : ''}`;
  });
}

describe('a storm counts distinct models within the window, not transitions', () => {
  it.each([
    [
      'three models within the window fire once',
      ['+a@0', '+b@100', '+c@200', '+d@300'],
      ['1', '2', '3 fired', '4'],
    ],
    [
      'one model flapping is one model',
      ['+a@0', '-a@50', '+a@100', '-a@150', '+a@200'],
      ['1', '0', '1', '0', '1'],
    ],
    [
      'two flapping models stay under a threshold of 2',
      ['+a@0', '+b@10', '-a@20', '+a@30', '+b@40'],
      ['1', '2', '1', '2', '2'],
    ],
    ['entries older than the window do not count', ['+a@0', '+b@200', '+c@1100'], ['1', '2', '2']],
    ['an entry exactly one window old has aged out', ['+a@0', '+b@500', '+c@1000'], ['1', '2', '2']],
    [
      'recoveries end the storm once',
      ['+a@0', '+b@1', '+c@2', '-a@3', '-b@4'],
      ['1', '2', '3 fired', '2 ended', '1'],
    ],
    [
      'a storm that aged out ends at the next change',
      ['+a@0', '+b@1', '+c@2', '+d@2000'],
      ['1', '2', '3 fired', '1 ended'],
    ],
    [
      'after its end a storm can fire again',
      ['+a@0', '+b@1', '+c@2', '-c@3', '+c@4'],
      ['1', '2', '3 fired', '2 ended', '3 fired'],
    ],
  ])('%s', (_what, changes, expected) => {
    expect(replayStorm(changes)).toEqual(expected);
  });
});
