import {
  INITIAL_HEALTH,
  isProviderOutage,
  type ModelHealth,
  modelKey,
  NO_STORM,
  nextStorm,
  type StormState,
} from '@faultline/core';
import { createRedis, modelHealthStore, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateGroup } from '../src/aggregate-events.ts';
import { aggregateStore } from '../src/aggregate-store.ts';

let redis: TestRedis;
let conn: Redis;
beforeAll(async () => {
  redis = await startTestRedis();
  conn = createRedis(redis.url);
});
afterAll(async () => {
  conn?.disconnect();
  await redis?.close();
});

const CFG = { windowMs: 1000, threshold: 2 };
const parse = (c: string) => {
  const [, sign, model, at] = /^([+-])(\w+)@(\d+)$/.exec(c)!;
  return {
    change: { op: sign === '+' ? ('enter' as const) : ('leave' as const), model: model! },
    at: Number(at),
  };
};

let n = 0;
describe('the storm script in Redis follows nextStorm', () => {
  it.each([
    [['+a@0', '+b@100', '+c@200', '+d@300', '-a@400', '-b@500', '-c@600']],
    [['+a@0', '-a@50', '+a@100', '-a@150', '+a@200', '+a@250', '+b@300']],
    [['+a@0', '+b@200', '+c@1100', '+d@1150', '+e@1200', '-e@1300']],
    [['+a@0', '+b@500', '+c@1000', '+d@1001']],
    [['+a@0', '+b@1', '+c@2', '+d@2000', '+e@2001', '+f@2002', '-z@2003']],
  ])('%j', async (changes) => {
    const store = aggregateStore(conn, redisKeys(`{t-storm-${process.pid}-${n++}}`));
    const group = aggregateGroup('models_failing', 'openai', null, null);
    let spec: StormState = NO_STORM;
    for (const c of changes) {
      const { change, at } = parse(c);
      const expected = nextStorm(spec, change, at, CFG);
      spec = expected.state;
      const got = await store.storm(group, change, at, CFG);
      expect({ at: c, count: got.count, outcome: got.outcome }).toEqual({
        at: c,
        count: expected.count,
        outcome: expected.outcome,
      });
      if (got.outcome) expect(got.group).toEqual(group);
    }
  });

  it('two replicas entering at once publish the storm once', async () => {
    const store = aggregateStore(conn, redisKeys(`{t-storm-${process.pid}-${n++}}`));
    const group = aggregateGroup('breakers_opening', 'openai', null, null);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((model) => store.storm(group, { op: 'enter', model }, 10, CFG)),
    );
    expect(results.filter((r) => r.outcome === 'fired')).toHaveLength(1);
  });
});

describe('the outage script in Redis follows isProviderOutage, and opens once', () => {
  const FAILING: ModelHealth = { ...INITIAL_HEALTH, consecutiveFailures: 2 };
  const OPEN: ModelHealth = { ...INITIAL_HEALTH, breaker: 'open', consecutiveFailures: 0 };
  const HALF_OPEN: ModelHealth = { ...INITIAL_HEALTH, breaker: 'half_open' };
  it.each([
    ['all failing', [FAILING, FAILING]],
    ['failing and open', [FAILING, OPEN]],
    ['one fine', [FAILING, INITIAL_HEALTH]],
    ['one half-open after a success', [OPEN, HALF_OPEN]],
    ['one never probed', [FAILING, null]],
  ] as const)('%s', async (_what, states) => {
    const keys = redisKeys(`{t-outage-${process.pid}-${n++}}`);
    const store = modelHealthStore(conn, keys);
    const models = states.map((_, i) => modelKey('openai', `m-${i}`));
    for (const [i, state] of states.entries())
      if (state) await store.update(models[i]!, () => ({ state, result: null }));
    const expected = isProviderOutage(states.map((s) => s ?? INITIAL_HEALTH));
    const flags = aggregateStore(conn, keys);
    const group = aggregateGroup('provider_outage', 'openai', null, null);
    const opened = await Promise.all([flags.openOutage(group, models), flags.openOutage(group, models)]);
    expect(opened.filter(Boolean)).toHaveLength(expected ? 1 : 0);
  });
});
