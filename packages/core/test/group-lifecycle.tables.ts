import { expect } from 'vitest';
import type { GroupResolution, GroupTake, groupLifecycle } from '../src/index.ts';
import {
  type Action,
  decide,
  fire,
  keyProbe,
  keyTraffic,
  late,
  outage,
  probe,
  recover,
  settle,
  sweep,
  take,
  testAlert,
  traffic,
} from './group-lifecycle.world.ts';

/**
 * Timelines of one alert group (or two), as a reviewer reads them: at t (ms), this happens → the
 * step's outcome, and the group's fields that matter then (each compared whole). CFG: group wait 5 s,
 * repeat interval 60 s, resolve hold 10 s. The alerter's script test replays each one on Redis.
 */
export type Expect = Partial<groupLifecycle.GroupState> & {
  take?: Partial<GroupTake>;
  resolution?: Partial<GroupResolution>;
};
export type Step = [at: number, action: Action, outcome: string, expect?: Expect];
export interface Timeline {
  name: string;
  steps: Step[];
}

export const TIMELINES: Timeline[] = [
  {
    name: 'new: its events are counted during the wait and told once; later ones wait for the repeat interval',
    steps: [
      [1_000, fire(traffic()), 'new', { state: 'pending', gen: 1, count: 1, firstSeen: 1_000, quiet: true }],
      [3_000, fire(traffic()), 'counted', { state: 'pending', count: 2, lastSeen: 3_000 }],
      [
        6_000,
        take(),
        'taken',
        {
          state: 'open',
          notified: 2,
          notifications: 1,
          lastNotifiedAt: 6_000,
          told: 'firing',
          lastFlush: 'flush-g-1',
          take: {
            number: 1,
            count: 2,
            previouslyNotified: 0,
            firstSeen: 1_000,
            lastSeen: 3_000,
            closed: false,
          },
        },
      ],
      [6_500, take('again'), 'taken-already', { notifications: 1 }],
      [30_000, fire(traffic()), 'counted', { count: 3, repeatPending: false }],
      [66_000, fire(traffic()), 'repeat', { count: 4, repeatPending: true }],
      [67_000, fire(traffic()), 'counted', { count: 5, repeatPending: true }],
      [
        67_000,
        take(),
        'taken',
        {
          notified: 5,
          notifications: 2,
          repeatPending: false,
          lastFlush: 'flush-g-1-6000',
          take: { number: 2, count: 5, previouslyNotified: 2 },
        },
      ],
      [68_000, take(), 'nothing-new', { notifications: 2, repeatPending: false }],
    ],
  },
  {
    name: 'escalation: a more severe event becomes the face, and an open group tells it at once',
    steps: [
      // A job refused by an open breaker only echoes a failure: the failure's own event replaces it.
      [1_000, fire(traffic({ reason: 'circuit_open', severity: 'HIGH' })), 'new', { rank: 0 }],
      [
        2_000,
        fire(traffic()),
        'counted',
        { rank: 2, event: expect.objectContaining({ reason: 'server_error' }) },
      ],
      [6_000, take(), 'taken'],
      [7_000, fire(traffic({ severity: 'LOW' })), 'counted', { rank: 2 }],
      [
        8_000,
        fire(traffic({ severity: 'CRITICAL' })),
        'repeat',
        { rank: 4, repeatPending: true, event: expect.objectContaining({ severity: 'CRITICAL' }) },
      ],
      [9_000, fire(traffic({ severity: 'CRITICAL' })), 'counted', { count: 5 }],
      [9_000, take(), 'taken', { take: { number: 2, count: 5, previouslyNotified: 2 } }],
    ],
  },
  {
    name: 'stale: a firing older than its member’s recovery changes nothing; a fresh one is the next generation',
    steps: [
      [1_000, fire(probe('a')), 'new', { members: { a: 1_000 }, quiet: false }],
      [6_000, take(), 'taken', { take: { members: ['a'] } }],
      [6_000, decide({ notify: true }), 'applied', { toldPeople: true }],
      [
        20_000,
        recover(probe('a')),
        'hold',
        {
          members: {},
          recovered: { a: 20_000 },
          tombstones: { a: 20_000 },
          resolving: 20_000,
          recoveries: 1,
        },
      ],
      // Late, during the hold: counted, but neither a member again nor a flap.
      [
        25_000,
        fire(late(probe('a'), 15_000)),
        'counted',
        { count: 2, members: {}, resolving: 20_000, flaps: 0 },
      ],
      [
        30_000,
        settle(20_000),
        'resolved',
        {
          state: 'resolved',
          resolvedAt: 30_000,
          resolution: { recovered: ['a'], toldPeople: true, count: 2, recoveries: 1, flaps: 0 },
        },
      ],
      [40_000, fire(late(probe('a'), 18_000)), 'stale', { state: 'resolved', gen: 1, count: 2 }],
      [
        50_000,
        fire(probe('a')),
        'new',
        {
          gen: 2,
          state: 'pending',
          count: 1,
          members: { a: 50_000 },
          recovered: {},
          tombstones: { a: 20_000 },
          toldPeople: false,
          lastFlush: 'flush-g-1',
          resolvedAt: 30_000,
        },
      ],
      [55_000, take(), 'taken', { lastFlush: 'flush-g-2', take: { gen: 2, number: 1 } }],
    ],
  },
  {
    name: 'members: a sibling that never failed is stray, each failing one must recover, the last starts the hold',
    steps: [
      [1_000, fire(keyProbe('a')), 'new', { members: { a: 1_000 }, incident: true }],
      [2_000, fire(keyProbe('b')), 'counted', { members: { a: 1_000, b: 2_000 } }],
      [6_000, take(), 'taken', { take: { members: ['a', 'b'] } }],
      [6_000, decide({ notify: true, opensIncident: true }), 'applied', { toldPeople: true }],
      [
        10_000,
        recover(keyProbe('c')),
        'stray',
        { members: { a: 1_000, b: 2_000 }, tombstones: { c: 10_000 } },
      ],
      [
        11_000,
        recover(keyProbe('a')),
        'partial',
        { members: { b: 2_000 }, recovered: { a: 11_000 }, resolving: 0 },
      ],
      [
        12_000,
        recover(keyProbe('a')),
        'stray',
        { tombstones: { a: 12_000, c: 10_000 }, recovered: { a: 11_000 } },
      ],
      // Older than b's failure: it ended an earlier incident of b.
      [
        13_000,
        recover(late(keyProbe('b'), 1_500)),
        'stale',
        { members: { b: 2_000 }, tombstones: { a: 12_000, b: 1_500, c: 10_000 } },
      ],
      [
        14_000,
        recover(keyProbe('b')),
        'hold',
        { members: {}, recovered: { a: 11_000, b: 14_000 }, resolving: 14_000, recoveries: 1 },
      ],
      // Another producer's recovery (no member) while the hold runs.
      [15_000, recover(traffic()), 'holding', { resolving: 14_000, recoveries: 1 }],
      [
        24_000,
        settle(14_000),
        'resolved',
        { resolution: { recovered: ['a', 'b'], recoveries: 1, toldPeople: true, count: 2 } },
      ],
    ],
  },
  {
    name: 'flapping within the hold: one open group counting its flaps, told at the first flap if people never heard',
    steps: [
      [1_000, fire(probe('a')), 'new'],
      [6_000, take(), 'taken'],
      [10_000, recover(probe('a')), 'hold', { resolving: 10_000, recoveries: 1 }],
      [
        12_000,
        fire(probe('a')),
        'repeat',
        { flaps: 1, resolving: 0, told: 'firing', members: { a: 12_000 }, repeatPending: true },
      ],
      [
        12_000,
        take(),
        'taken',
        {
          take: { number: 2, flaps: 1, recoveries: 1, resolvingSince: null, count: 2, previouslyNotified: 1 },
        },
      ],
      [12_000, decide({ notify: true }), 'applied', { toldPeople: true }],
      [15_000, recover(probe('a')), 'hold', { resolving: 15_000, recoveries: 2 }],
      // People know of it now: a flap is counted, not told again.
      [16_000, fire(probe('a')), 'counted', { flaps: 2, resolving: 0, members: { a: 16_000 } }],
      [20_000, settle(10_000), 'fired-again', { state: 'open' }],
      [25_000, settle(15_000), 'fired-again', { state: 'open' }],
      [30_000, recover(probe('a')), 'hold', { resolving: 30_000, recoveries: 3 }],
      [
        40_000,
        settle(30_000),
        'resolved',
        { state: 'resolved', resolution: { flaps: 2, recoveries: 3, count: 3, toldPeople: true } },
      ],
    ],
  },
  {
    name: 'fired and resolved: a recovery before the first notification goes out in it, and its end is not told again',
    steps: [
      [1_000, fire(probe('a')), 'new'],
      [2_000, recover(probe('a')), 'hold', { resolving: 2_000 }],
      [
        6_000,
        take(),
        'taken',
        { state: 'open', told: 'resolved', take: { resolvingSince: 2_000, closed: false } },
      ],
      [6_000, decide({ notify: true }), 'applied', { toldPeople: true }],
      [12_000, settle(2_000), 'silent', { state: 'resolved', resolvedAt: 12_000 }],
    ],
  },
  {
    name: 'fired and resolved, settled before its flush: the flush closes it',
    steps: [
      [1_000, fire(probe('a')), 'new'],
      [2_000, recover(probe('a')), 'hold'],
      [4_000, settle(2_000), 'still-pending', { state: 'pending' }],
      [
        12_000,
        take(),
        'taken',
        {
          state: 'resolved',
          resolvedAt: 12_000,
          told: 'resolved',
          take: { closed: true, resolvingSince: 2_000 },
        },
      ],
      [12_000, decide({ notify: true }), 'not-current', { toldPeople: false }],
      [13_000, settle(2_000), 'not-open'],
    ],
  },
  {
    name: 'quiet resolve: a group of traffic closes after ALERT_RESOLVE_AFTER without events, and is reborn after',
    steps: [
      [1_000, fire(traffic()), 'new'],
      [6_000, take(), 'taken'],
      [6_000, decide({ notify: true }), 'applied'],
      [20_000, fire(traffic()), 'counted', { lastSeen: 20_000 }],
      [25_000, sweep(30_000), 'later', { state: 'open' }],
      [
        50_000,
        sweep(30_000),
        'resolved',
        {
          state: 'resolved',
          resolvedAt: 50_000,
          resolution: { count: 2, lastSeen: 20_000, toldPeople: true, recovered: [], flaps: 0 },
        },
      ],
      [51_000, sweep(30_000), 'not-open'],
      [
        60_000,
        fire(traffic()),
        'new',
        {
          gen: 2,
          count: 1,
          notified: 0,
          notifications: 0,
          lastNotifiedAt: 0,
          firstSeen: 60_000,
          toldPeople: false,
          told: '',
          lastFlush: 'flush-g-1',
          resolvedAt: 50_000,
        },
      ],
      [65_000, take(), 'taken', { take: { gen: 2, number: 1 }, lastFlush: 'flush-g-2' }],
    ],
  },
  {
    name: 'quiet resolve of a group never notified says nothing',
    steps: [
      [1_000, fire(traffic()), 'new'],
      [40_000, sweep(30_000), 'silent', { state: 'resolved', resolvedAt: 40_000 }],
    ],
  },
  {
    name: 'a health event makes its group wait for its recovery, however quiet it is',
    steps: [
      [1_000, fire(keyTraffic('a')), 'new', { quiet: true, incident: true, seen: ['a'], members: {} }],
      [6_000, take(), 'taken', { take: { members: ['a'] } }],
      [7_000, fire(keyProbe('b')), 'counted', { quiet: false, members: { b: 7_000 } }],
      [100_000, sweep(30_000), 'not-quiet', { state: 'open' }],
      [101_000, recover(keyProbe('b')), 'hold', { resolving: 101_000 }],
      [111_000, settle(101_000), 'resolved', { resolution: { recovered: ['b'] } }],
    ],
  },
  {
    name: 'an aggregate (a provider outage) is a member like a model',
    steps: [
      [1_000, fire(outage()), 'new', { members: { '@provider_outage': 1_000 }, incident: true }],
      [6_000, take(), 'taken', { take: { members: ['@provider_outage'] } }],
      [10_000, recover(outage()), 'hold', { recovered: { '@provider_outage': 10_000 }, resolving: 10_000 }],
    ],
  },
  {
    name: 'a test alert closes with its one notification',
    steps: [
      [1_000, fire(testAlert()), 'new', { state: 'pending' }],
      [
        1_000,
        take(),
        'taken',
        { state: 'resolved', resolvedAt: 1_000, told: 'firing', take: { closed: true, number: 1 } },
      ],
    ],
  },
  {
    name: "a provider incident counts the models' alerts it holds from people",
    steps: [
      [1_000, fire(keyTraffic('m1'), 'key'), 'new', { incident: true, seen: ['m1'] }],
      [1_500, fire(probe('m1'), 'model'), 'new', { incident: false }],
      [6_000, take('next', 'key'), 'taken'],
      [6_000, decide({ notify: true, opensIncident: true }, 'key'), 'applied', { toldPeople: true }],
      [6_500, take('next', 'model'), 'taken'],
      [
        6_500,
        decide({ notify: false, heldUnder: 'key' }, 'model'),
        'applied',
        { toldPeople: false, held: 0 },
      ],
      [7_000, fire(keyTraffic('m2'), 'key'), 'counted', { held: 1, heldNotified: 0, seen: ['m1', 'm2'] }],
      [67_000, fire(keyTraffic('m2'), 'key'), 'repeat'],
      [
        67_000,
        take('next', 'key'),
        'taken',
        { heldNotified: 1, take: { heldUnderIncident: 1, members: ['m1', 'm2'], number: 2 } },
      ],
      [70_000, sweep(1_000, 'key'), 'resolved', { resolution: { heldUnderIncident: 1, toldPeople: true } }],
    ],
  },
];

/**
 * What the scripts do today where it looks wrong (see /tmp/helper-lifecycle.md): the spec mirrors
 * them, so these pin the current behaviour until the lead decides.
 */
/** Late and out-of-order news, where a group must neither close on a failing model nor reopen on history. */
export const LATE_NEWS: Timeline[] = [
  {
    name: "a member's failure from before the hold, arriving during it, keeps the group open (not a flap)",
    steps: [
      [1_000, fire(keyProbe('a')), 'new'],
      [6_000, take(), 'taken'],
      [10_000, recover(keyProbe('a')), 'hold', { resolving: 10_000 }],
      // b failed at 9 s and has not recovered: it is failing, so the hold ends.
      [
        11_000,
        fire(late(keyProbe('b'), 9_000)),
        'counted',
        { members: { b: 9_000 }, flaps: 0, resolving: 0 },
      ],
      [20_000, settle(10_000), 'fired-again', { state: 'open' }],
      [30_000, recover(keyProbe('b')), 'hold', { resolving: 30_000 }],
      [40_000, settle(30_000), 'resolved', { resolution: { recovered: ['a', 'b'] } }],
    ],
  },
  {
    name: 'a member that failed again after its own recovery is a member again, and a flap, whenever its news arrives',
    steps: [
      [1_000, fire(keyProbe('a')), 'new'],
      [2_000, fire(keyProbe('b')), 'counted'],
      [6_000, take(), 'taken'],
      [10_000, recover(keyProbe('a')), 'partial'],
      [12_000, recover(keyProbe('b')), 'hold', { resolving: 12_000 }],
      // A flap of a group people never heard of tells them now.
      [
        13_000,
        fire(late(keyProbe('a'), 11_000)),
        'repeat',
        { members: { a: 11_000 }, flaps: 1, resolving: 0 },
      ],
      [22_000, settle(12_000), 'fired-again', { state: 'open' }],
    ],
  },
  {
    name: 'traffic during the hold of a group health events joined keeps it open until the traffic is quiet',
    steps: [
      [1_000, fire(keyProbe('a')), 'new', { quiet: false }],
      [6_000, take(), 'taken'],
      [6_000, decide({ notify: true, opensIncident: true }), 'applied'],
      [10_000, recover(keyProbe('a')), 'hold'],
      // No member fails any more, so no recovery will come: it closes by quiet instead.
      [
        11_000,
        fire(keyTraffic('a')),
        'counted',
        { flaps: 1, resolving: 0, members: {}, seen: ['a'], quiet: true },
      ],
      [20_000, settle(10_000), 'fired-again'],
      [30_000, recover(keyProbe('a')), 'stray'],
      [500_000, sweep(30_000), 'resolved', { state: 'resolved' }],
    ],
  },
  {
    name: "a late traffic firing older than its group's close is history, not the next generation",
    steps: [
      [1_000, fire(keyProbe('a')), 'new'],
      [2_000, fire(keyTraffic('a')), 'counted'],
      [6_000, take(), 'taken'],
      [10_000, recover(keyProbe('a')), 'hold'],
      [20_000, settle(10_000), 'resolved'],
      [21_000, fire(late(keyTraffic('a'), 9_000)), 'stale', { gen: 1, state: 'resolved' }],
      [22_000, fire(keyTraffic('a')), 'new', { gen: 2 }],
    ],
  },
  {
    name: 'a late firing, being history, neither becomes the face nor owes a repeat',
    steps: [
      [1_000, fire(probe('a')), 'new', { rank: 3 }],
      [6_000, take(), 'taken'],
      [10_000, recover(probe('a')), 'hold'],
      [
        12_000,
        fire(late(probe('a', { severity: 'CRITICAL' }), 9_000)),
        'counted',
        { rank: 3, flaps: 0, resolving: 10_000 },
      ],
    ],
  },
  {
    name: 'a recovery with no member lists every failing member as recovered',
    steps: [
      [1_000, fire(keyProbe('a')), 'new'],
      [2_000, fire(keyProbe('b')), 'counted'],
      [6_000, take(), 'taken'],
      [10_000, recover(keyTraffic('a')), 'hold', { members: {}, recovered: { a: 10_000, b: 10_000 } }],
      [20_000, settle(10_000), 'resolved', { resolution: { recovered: ['a', 'b'] } }],
    ],
  },
  {
    name: 'a model both probed and seen in traffic is named once in its take',
    steps: [
      [1_000, fire(keyProbe('a')), 'new'],
      [2_000, fire(keyTraffic('a')), 'counted', { members: { a: 1_000 }, seen: ['a'] }],
      [6_000, take(), 'taken', { take: { members: ['a'] } }],
    ],
  },
];
