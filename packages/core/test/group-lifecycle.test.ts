import { describe, expect, it } from 'vitest';
import { groupLifecycle as life } from '../src/index.ts';
import { LATE_NEWS, TIMELINES, type Timeline } from './group-lifecycle.tables.ts';
import {
  CFG,
  eventOf,
  fire,
  keyProbe,
  newWorld,
  opOf,
  probe,
  runSpec,
  take,
  traffic,
} from './group-lifecycle.world.ts';

/** Walks a timeline through the spec, checking each step's outcome and the fields it names. */
function walk({ steps }: Timeline) {
  const world = newWorld();
  for (const [i, [at, action, outcome, fields = {}]] of steps.entries()) {
    const where = `step ${i + 1} at ${at} (${action.do})`;
    const op = opOf(world, action, at);
    if (!op) throw new Error(`${where}: nothing to decide`);
    const step = runSpec(world, op, at);
    expect(step.outcome, where).toBe(outcome);
    const { take: took, resolution, ...group } = fields;
    const g = world.groups.get(action.group) as Record<string, unknown> | undefined;
    for (const [field, value] of Object.entries(group))
      expect(g?.[field], `${where}: ${field}`).toEqual(value);
    if (took) expect(step.op === 'take' && step.take.take, where).toMatchObject(took);
    if (resolution) expect(step.op === 'resolve' && step.resolve.resolution, where).toMatchObject(resolution);
  }
}

describe('the group lifecycle, step by step', () => {
  it.each(TIMELINES)('$name', walk);
});

describe('late and out-of-order news: no close on a failing model, no reopening on history', () => {
  it.each(LATE_NEWS)('$name', walk);
});

describe('what record tells the event processor', () => {
  // `owed` lets a replayed event re-arm the flush its group still owes; `untold`, a sustained burst notify now.
  it.each([
    ['a new group', [], { outcome: 'new', owed: null, untold: false }],
    ['an event of a pending group', [fire(traffic())], { outcome: 'counted', owed: 'first', untold: false }],
    [
      'an event of an open group people did not hear of',
      [fire(traffic()), take()],
      { outcome: 'counted', owed: null, untold: true },
    ],
    [
      'an event of an open group owing its repeat',
      [fire(traffic()), take(), fire(traffic({ severity: 'CRITICAL' }))],
      { outcome: 'counted', owed: 'repeat', untold: true },
    ],
  ] as const)('%s', (_what, before, expected) => {
    const world = newWorld();
    for (const action of before) runSpec(world, opOf(world, action, 1_000)!, 1_000);
    const step = runSpec(world, opOf(world, fire(traffic()), 2_000)!, 2_000);
    expect(step.op === 'record' && step.record).toMatchObject(expected);
  });
});

describe('what the scripts are given from an event', () => {
  it.each([
    [traffic(), 2],
    [traffic({ severity: 'CRITICAL' }), 4],
    [traffic({ severity: 'CRITICAL', reason: 'circuit_open' }), 0],
  ])('rank of %j is %i', (shape, rank) => {
    expect(life.groupRank(eventOf(shape, 1_000, 'firing', 'e'))).toBe(rank);
  });

  it.each([
    ['the past', 1_000, 1_000],
    ['the future, not believed past now', 9_000, 5_000],
  ])('occurredAt in %s', (_what, occurred, expected) => {
    expect(life.occurredAtMs(eventOf({ occurred }, 5_000, 'firing', 'e'), 5_000)).toBe(expected);
  });

  it.each([
    [keyProbe('a'), true],
    [probe('a'), false],
    [{ ...keyProbe('a'), severity: 'HIGH' as const }, false],
    [{ ...keyProbe('a'), source: 'test' as const }, false],
  ])('%j inhibits from its first event: %s', (shape, inhibits) => {
    expect(life.inhibitsFromFirstEvent(eventOf(shape, 1_000, 'firing', 'e'))).toBe(inhibits);
  });
});

describe('the sets beside the hash', () => {
  it('a new group owes its first flush after the wait; a notified quiet one waits for the sweep', () => {
    const world = newWorld();
    runSpec(world, opOf(world, fire(traffic()), 1_000)!, 1_000);
    expect(world.sets.get('g')).toEqual({ alertGroupIndex: 1_000, alertGroupsDue: 1_000 + CFG.groupWaitMs });
    runSpec(world, opOf(world, take(), 6_000)!, 6_000);
    expect(world.sets.get('g')).toEqual({ alertGroupIndex: 1_000, openAlertGroups: 1_000 });
    runSpec(world, opOf(world, fire(traffic()), 7_000)!, 7_000);
    expect(world.sets.get('g')).toEqual({ alertGroupIndex: 7_000, openAlertGroups: 7_000 });
  });

  it("a key's incident names itself in its provider's inhibition from its first event", () => {
    const world = newWorld();
    runSpec(world, opOf(world, fire(keyProbe('a')), 1_000)!, 1_000);
    expect(world.inhibit.get('acme')).toBe('g:1');
  });
});
