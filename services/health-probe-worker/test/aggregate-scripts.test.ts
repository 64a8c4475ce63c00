import {
  type AlertEvent,
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
import { type AggregateGroup, aggregateEvent, aggregateGroup } from '../src/aggregate-events.ts';
import { aggregateStore, type RenderAggregate } from '../src/aggregate-store.ts';

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

/** An aggregate's event as the probe renders it, at `at`, with a context of its own. */
const renderAt =
  (at: number): RenderAggregate =>
  async (group: AggregateGroup, state, count) =>
    aggregateEvent({ group, state, classified: null, count, at, context: { model_id: 'probed' } });

/** What the health outbox holds, oldest first. */
async function outboxOf(keys: ReturnType<typeof redisKeys>): Promise<AlertEvent[]> {
  const ids = await conn.zrange(keys.healthOutboxTimes(), 0, -1);
  const raws = ids.length ? await conn.hmget(keys.healthOutbox(), ...ids) : [];
  return raws.map((r) => JSON.parse(r!) as AlertEvent);
}

let n = 0;
describe('the storm script in Redis follows nextStorm, and writes its events to the outbox', () => {
  it.each([
    [['+a@0', '+b@100', '+c@200', '+d@300', '-a@400', '-b@500', '-c@600']],
    [['+a@0', '-a@50', '+a@100', '-a@150', '+a@200', '+a@250', '+b@300']],
    [['+a@0', '+b@200', '+c@1100', '+d@1150', '+e@1200', '-e@1300']],
    [['+a@0', '+b@500', '+c@1000', '+d@1001']],
    [['+a@0', '+b@1', '+c@2', '+d@2000', '+e@2001', '+f@2002', '-z@2003']],
  ])('%j', async (changes) => {
    const keys = redisKeys(`{t-storm-${process.pid}-${n++}}`);
    const store = aggregateStore(conn, keys);
    const group = aggregateGroup('models_failing', 'openai', null, null);
    let spec: StormState = NO_STORM;
    const said: { state: string; count: number }[] = [];
    for (const c of changes) {
      const { change, at } = parse(c);
      const expected = nextStorm(spec, change, at, CFG);
      spec = expected.state;
      const got = await store.storm(group, change, at, CFG, renderAt(at));
      expect({ at: c, count: got.count, outcome: got.outcome }).toEqual({
        at: c,
        count: expected.count,
        outcome: expected.outcome,
      });
      if (got.outcome) expect(got.group).toEqual(group);
      if (expected.outcome)
        said.push({ state: expected.outcome === 'fired' ? 'firing' : 'resolved', count: expected.count });
    }
    // Each firing and each end is in the outbox once, with the count the script saw.
    const events = await outboxOf(keys);
    expect(events.map((e) => ({ state: e.state, count: e.context?.models_concerned }))).toEqual(said);
    for (const e of events) if (e.state === 'firing') expect(e.message).toMatch(/^\d+ distinct models/);
  });

  it('two replicas entering at once publish the storm once', async () => {
    const keys = redisKeys(`{t-storm-${process.pid}-${n++}}`);
    const store = aggregateStore(conn, keys);
    const group = aggregateGroup('breakers_opening', 'openai', null, null);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((model) =>
        store.storm(group, { op: 'enter', model }, 10, CFG, renderAt(10)),
      ),
    );
    expect(results.filter((r) => r.outcome === 'fired')).toHaveLength(1);
    expect((await outboxOf(keys)).map((e) => e.state)).toEqual(['firing']);
  });
});

describe('the outage script in Redis follows isProviderOutage, and opens once, its event in the outbox', () => {
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
    const [first, second] = await Promise.all([
      renderAt(1)(group, 'firing', 2),
      renderAt(2)(group, 'firing', 2),
    ]);
    const opened = await Promise.all([
      flags.openOutage(group, models, first),
      flags.openOutage(group, models, second),
    ]);
    expect(opened.filter(Boolean)).toHaveLength(expected ? 1 : 0);
    const written = await outboxOf(keys);
    expect(written.map((e) => e.id)).toEqual(expected ? [opened[0] ? first.id : second.id] : []);
  });
});

describe('an aggregate ends once, its end in the outbox, rendered from the group it fired with', () => {
  it('two replicas closing at once write one end; a flag that changed under a close ends as it is now', async () => {
    const keys = redisKeys(`{t-end-${process.pid}-${n++}}`);
    const flags = aggregateStore(conn, keys);
    const fallback = aggregateGroup('provider_outage', 'openai', 'gw', null);
    const fired: AggregateGroup = { ...fallback, category: 'server_error' };
    await conn.set(keys.aggregateFlag('provider_outage', 'openai'), JSON.stringify(fired));
    const ends = await Promise.all(
      [1, 2].map((at) =>
        flags.close('provider_outage', 'openai', fallback, (g) => renderAt(at)(g, 'resolved', 2)),
      ),
    );
    expect(ends.filter(Boolean)).toHaveLength(1);
    const written = await outboxOf(keys);
    expect(written.map((e) => [e.state, e.category])).toEqual([['resolved', 'server_error']]);

    // A close that read one firing and finds another (ended and re-opened meanwhile) ends the new
    // one, with an end rendered from it.
    const flag = keys.aggregateFlag('provider_outage', 'openai');
    await conn.set(flag, JSON.stringify(fired));
    let reopened = false;
    const again = await flags.close('provider_outage', 'openai', fallback, async (g) => {
      if (!reopened) await conn.set(flag, JSON.stringify({ ...fired, category: 'network_error' }));
      reopened = true;
      return renderAt(3)(g, 'resolved', 2);
    });
    expect(again?.category).toBe('network_error');
    expect(await conn.exists(flag)).toBe(0);
  });
});
