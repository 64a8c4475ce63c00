import {
  type AlertEvent,
  fingerprintOf,
  type groupLifecycle as life,
  notificationOfTake,
} from '@faultline/core';
import { createRedis, type RedisKeys, redisKeys } from '@faultline/runtime';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATE_NEWS, TIMELINES, type Timeline } from '../../../packages/core/test/group-lifecycle.tables.ts';
import {
  type Action,
  CFG,
  type EventShape,
  eventOf,
  keyProbe,
  keyTraffic,
  late,
  newWorld,
  type Op,
  opOf,
  outage,
  probe,
  runSpec,
  type SpecStep,
  testAlert,
  traffic,
  type World,
} from '../../../packages/core/test/group-lifecycle.world.ts';
import { groupStore } from '../src/group-store.ts';
import { notificationOutbox, type OutboxEntry, parseOutboxEntry } from '../src/notification-outbox.ts';

/**
 * The group scripts (RECORD, RECOVER, RESOLVE, TAKE, DECIDE), through groupStore and notificationOutbox
 * only, against their spec (core/alerting/group-lifecycle.ts): after every step the group's hash, its
 * place in the sorted sets beside it and its provider's inhibition mark must be what the spec says,
 * and so must the step's answer.
 */

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

const TTL_MS = 7 * 86_400_000;
let prefixes = 0;

function scripts() {
  const keys = redisKeys(`{t-lifecycle-${process.pid}-${prefixes++}}`);
  return {
    keys,
    groups: groupStore(conn, keys, TTL_MS),
    outbox: notificationOutbox(conn, keys, TTL_MS, CFG.resolveHoldMs),
    /** Each group's last take, until it is decided (then done, as handOver does). */
    undecided: new Map<string, Extract<OutboxEntry, { kind: 'take' }>>(),
  };
}
type Scripts = ReturnType<typeof scripts>;

/** The call through the service's API, and its answer in a form the spec's can be compared with. */
async function callScripts(s: Scripts, op: Op, now: number): Promise<unknown> {
  switch (op.op) {
    case 'record':
      return s.groups.record(op.fp, op.event, now, CFG.repeatIntervalMs, op.waitMs);
    case 'recover':
      return s.groups.recover(op.fp, op.event, now);
    case 'take': {
      const before = s.undecided.get(op.fp);
      if (before) await s.outbox.done(before.id);
      s.undecided.delete(op.fp);
      const entry = await s.outbox.take(op.fp, op.gen, op.flushId, now);
      if (entry?.kind === 'take') s.undecided.set(op.fp, entry);
      return entry;
    }
    case 'decide': {
      const entry = s.undecided.get(op.fp)!;
      const n = {
        ...notificationOfTake(entry.take, { sustained: false, inhibited: false }),
        notify: op.notify,
      };
      const kept = await s.outbox.decide(entry, n, {
        opensIncident: op.opensIncident,
        provider: entry.take.event.provider,
        heldUnder: op.heldUnder,
      });
      await s.outbox.done(entry.id);
      s.undecided.delete(op.fp);
      return kept.notify;
    }
    case 'resolve': {
      const res = await s.groups.resolve(op.fp, now, op);
      if (res.kind !== 'resolved') return res;
      await s.outbox.done(res.entry.id);
      const parsed = parseOutboxEntry(res.entry.id, res.entry.raw, null);
      return { kind: 'resolved', id: parsed.id, ...(parsed.kind === 'resolution' ? parsed.resolution : {}) };
    }
  }
}

/** What the API should answer for the spec's step. `before`: the group before it. */
function specAnswer(step: SpecStep, op: Op, before: life.Group | null): unknown {
  const g = before && 'state' in before ? before : null;
  switch (step.op) {
    case 'record': {
      const { outcome, gen, firstSeen, lastNotifiedAt, untold, owed } = step.record;
      return { outcome, gen, firstSeen, lastNotifiedAt, untold, owed };
    }
    case 'recover': {
      const { outcome, gen, since } = step.recover;
      return outcome === 'hold' ? { kind: 'hold', gen, since } : { kind: 'none' };
    }
    case 'take':
      return step.take.take && op.op === 'take'
        ? { id: op.flushId, kind: 'take', take: step.take.take, decided: null }
        : null;
    case 'decide':
      return op.op === 'decide' && op.notify;
    case 'resolve': {
      const { outcome, resolution } = step.resolve;
      if (outcome === 'resolved') return { kind: 'resolved', ...resolution };
      if (outcome === 'later') return { kind: 'later', lastSeen: g?.lastSeen };
      if (outcome === 'silent') return { kind: 'silent', gen: g?.gen, event: g?.event };
      return { kind: 'none' };
    }
  }
}

/** The spec's group as the script keeps it in its hash: every field, as Redis returns it. */
function hashOf(group: life.Group | undefined): Record<string, unknown> {
  const hash: Record<string, unknown> = {};
  if (!group) return hash;
  for (const [member, at] of Object.entries(group.tombstones)) hash[`t:${member}`] = String(at);
  if (!('state' in group)) return hash;
  const flag = (b: boolean) => (b ? '1' : '0');
  const { members, recovered, tombstones: _, seen, lastFlush, resolvedAt, event, ...fields } = group;
  for (const [field, value] of Object.entries(fields))
    hash[field] = typeof value === 'boolean' ? flag(value) : String(value);
  hash.event = event;
  hash.members = String(Object.keys(members).length);
  if (lastFlush !== null) hash.lastFlush = lastFlush;
  if (resolvedAt !== null) hash.resolvedAt = String(resolvedAt);
  for (const [member, at] of Object.entries(members)) hash[`m:${member}`] = String(at);
  for (const [member, at] of Object.entries(recovered)) hash[`r:${member}`] = String(at);
  for (const model of seen) hash[`s:${model}`] = '1';
  return hash;
}

/** What Redis holds for these groups, in the world's shape (one round trip). */
async function redisState(keys: RedisKeys, fps: string[], providers: string[]) {
  const SETS = {
    alertGroupIndex: keys.alertGroupIndex(),
    alertGroupsDue: keys.alertGroupsDue(),
    openAlertGroups: keys.openAlertGroups(),
  };
  const read = conn.pipeline();
  for (const fp of fps) {
    read.hgetall(keys.alertGroup(fp));
    for (const key of Object.values(SETS)) read.zscore(key, fp);
  }
  for (const provider of providers) read.get(keys.inhibit(provider));
  const replies = ((await read.exec()) ?? []).map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
  const groups: Record<string, Record<string, unknown>> = {};
  const sets: Record<string, Record<string, number>> = {};
  for (const fp of fps) {
    const hash = replies.shift() as Record<string, unknown>;
    if (typeof hash.event === 'string') hash.event = JSON.parse(hash.event) as AlertEvent;
    groups[fp] = hash;
    sets[fp] = {};
    for (const set of Object.keys(SETS)) {
      const score = replies.shift() as string | null;
      if (score !== null) sets[fp][set] = Number(score);
    }
  }
  const inhibit = Object.fromEntries(providers.map((p) => [p, replies.shift() as string | null]));
  return { groups, sets, inhibit };
}

function specState(world: World, fps: string[], providers: string[]) {
  return {
    groups: Object.fromEntries(fps.map((fp) => [fp, hashOf(world.groups.get(fp))])),
    sets: Object.fromEntries(fps.map((fp) => [fp, world.sets.get(fp) ?? {}])),
    inhibit: Object.fromEntries(providers.map((p) => [p, world.inhibit.get(p) ?? null])),
  };
}

/** One step through both; every difference fails, naming the step and what led to it. */
async function step(s: Scripts, world: World, fps: Set<string>, action: Action, at: number, trail: string[]) {
  const op = opOf(world, action, at);
  if (!op) return null;
  fps.add(op.fp);
  if (op.op === 'decide' && op.heldUnder) fps.add(op.heldUnder.fingerprint);
  trail.push(`at ${at}: ${describeOp(op)}`);
  const before = world.groups.get(op.fp) ?? null;
  const spec = runSpec(world, op, at);
  const got = await callScripts(s, op, at);
  const where = `${trail.slice(-12).join('\n')}\n→ spec: ${spec.outcome}`;
  expect(got, `answer after\n${where}`).toEqual(specAnswer(spec, op, before));
  const all = [...fps];
  expect(await redisState(s.keys, all, ['acme']), `state after\n${where}`).toEqual(
    specState(world, all, ['acme']),
  );
  return spec;
}

function describeOp(op: Op): string {
  if (op.op === 'record' || op.op === 'recover') {
    const e = op.event;
    return `${op.op} ${op.fp} ${e.source}/${e.category}/${e.severity}/${e.reason} model=${e.model} occurred=${Date.parse(e.occurredAt)}`;
  }
  if (op.op === 'take') return `take ${op.fp} gen=${op.gen} ${op.flushId}`;
  if (op.op === 'decide')
    return `decide ${op.fp} notify=${op.notify} incident=${op.opensIncident} under=${op.heldUnder?.fingerprint ?? '-'}`;
  return `resolve ${op.fp} gen=${op.gen ?? '-'} quiet=${op.quietMs ?? '-'} since=${op.resolvingSince ?? '-'}`;
}

async function replay({ steps }: Timeline) {
  const s = scripts();
  const world = newWorld();
  const fps = new Set<string>();
  const trail: string[] = [];
  for (const [at, action, outcome] of steps) {
    const spec = await step(s, world, fps, action, at, trail);
    expect(spec?.outcome, trail.at(-1)).toBe(outcome);
  }
}

describe('the group scripts in Redis follow the lifecycle spec, step by step', () => {
  it.each(TIMELINES)('$name', replay);
});

describe('the group scripts in Redis handle late news as the spec says', () => {
  it.each(LATE_NEWS)('$name', replay);
});

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A random next step for a world of 2-3 models: firings and recoveries (some delivered late), flushes
 * (some retried, some for an old generation), decisions (some holding a model's alert under another
 * group), settles (mostly of the current hold), sweeps and closes at once.
 */
function randomAction(rand: () => number, world: World, models: string[], at: number): Action {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybeLate = (e: EventShape) =>
    rand() < 0.25 ? late(e, Math.max(1, at - Math.floor(rand() * 20_000))) : e;
  const groupOf = (e: EventShape) => fingerprintOf(eventOf(e, at, 'firing', 'x'));
  const m = pick(models);
  const groups = [...world.groups.keys()];
  const live = (fp: string) => {
    const g = world.groups.get(fp);
    return g && 'state' in g ? g : null;
  };
  const r = rand();
  if (r < 0.38 || !groups.length) {
    const e = maybeLate(
      pick([
        probe(m),
        probe(m),
        keyProbe(m),
        keyProbe(m),
        outage(),
        traffic({ model: m }),
        traffic({ model: m, severity: pick(['LOW', 'HIGH', 'CRITICAL'] as const) }),
        traffic({ model: m, reason: 'circuit_open' }),
        keyTraffic(m),
        ...(rand() < 0.1 ? [testAlert()] : []),
      ]),
    );
    return { do: 'fire', group: groupOf(e), event: e };
  }
  if (r < 0.6) {
    const e = maybeLate(pick([probe(m), probe(m), keyProbe(m), keyProbe(m), outage(), keyTraffic(m)]));
    return { do: 'recover', group: groupOf(e), event: e };
  }
  const fp = pick(groups);
  const g = live(fp);
  if (r < 0.75) {
    const gen = g && rand() < 0.1 ? g.gen - 1 : undefined;
    return { do: 'take', group: fp, flush: rand() < 0.2 ? 'again' : 'next', gen };
  }
  if (r < 0.83) {
    const undecided = groups.filter((f) => world.taken.get(f)?.take);
    if (undecided.length)
      return {
        do: 'decide',
        group: pick(undecided),
        notify: rand() < 0.6,
        opensIncident: rand() < 0.4,
        heldUnder: rand() < 0.4 ? pick(groups) : undefined,
      };
  }
  if (r < 0.93) {
    const since = g?.resolving && rand() < 0.7 ? g.resolving : Math.max(1, at - Math.floor(rand() * 30_000));
    return {
      do: 'resolve',
      group: fp,
      resolvingSince: since,
      gen: g && rand() < 0.1 ? g.gen + 1 : undefined,
    };
  }
  if (rand() < 0.15) return { do: 'resolve', group: fp };
  return { do: 'resolve', group: fp, quietMs: pick([0, 5_000, 30_000]) };
}

describe('random timelines: the scripts and the spec agree at every step', () => {
  const SEED = Number(process.env.LIFECYCLE_SEED ?? 20_251_117);
  const RUNS = Number(process.env.LIFECYCLE_RUNS ?? 200);
  it(`${RUNS} sequences from seed ${SEED}`, { timeout: 120_000 }, async () => {
    const rand = prng(SEED);
    const outcomes = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const s = scripts();
      const world = newWorld();
      const fps = new Set<string>();
      const trail = [`seed ${SEED}, sequence ${run}`];
      const models = ['m-a', 'm-b', 'm-c'].slice(0, 2 + Math.floor(rand() * 2));
      let at = 1_000;
      const length = 15 + Math.floor(rand() * 25);
      for (let i = 0; i < length; i++) {
        at += [0, 500, 2_000, 6_000, 11_000, 35_000, 61_000][Math.floor(rand() * 7)]!;
        const spec = await step(s, world, fps, randomAction(rand, world, models, at), at, trail);
        if (spec)
          outcomes.set(`${spec.op}:${spec.outcome}`, (outcomes.get(`${spec.op}:${spec.outcome}`) ?? 0) + 1);
      }
    }
    // The run is only worth something if it reached every outcome.
    expect([...outcomes.keys()].sort()).toEqual(
      [
        ...['new', 'counted', 'repeat', 'stale'].map((o) => `record:${o}`),
        ...['hold', 'holding', 'partial', 'stray', 'stale', 'not-open'].map((o) => `recover:${o}`),
        ...['taken', 'nothing-new', 'taken-already', 'other-gen', 'not-open'].map((o) => `take:${o}`),
        ...['applied', 'not-current'].map((o) => `decide:${o}`),
        ...[
          'resolved',
          'silent',
          'later',
          'fired-again',
          'still-pending',
          'not-quiet',
          'other-gen',
          'not-open',
        ].map((o) => `resolve:${o}`),
      ].sort(),
    );
  });
});
