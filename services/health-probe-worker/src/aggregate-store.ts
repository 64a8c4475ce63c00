import type { AlertEvent, StormConfig } from '@faultline/core';
import { luaScript, type RedisKeys } from '@faultline/runtime';
import type { Redis } from 'ioredis';
import type { AggregateGroup, AggregateKind } from './aggregate-events.ts';

type Outbox = 'outbox' | 'outboxTimes';

const STORM_STEP = luaScript<
  'members' | 'flag' | Outbox,
  'expected' | 'now' | 'windowMs' | 'op' | 'model' | 'threshold' | 'group' | 'flagTtlMs' | 'eventId',
  [string, number, string?, string?]
>(
  new URL('./scripts/storm-step.lua', import.meta.url),
  ['members', 'flag', 'outbox', 'outboxTimes'],
  ['expected', 'now', 'windowMs', 'op', 'model', 'threshold', 'group', 'flagTtlMs', 'eventId'],
);

const OPEN_OUTAGE = luaScript<'flag' | Outbox, 'group' | 'flagTtlMs' | 'now' | 'eventId' | 'event', number>(
  new URL('./scripts/open-outage.lua', import.meta.url),
  ['flag', 'outbox', 'outboxTimes'],
  ['group', 'flagTtlMs', 'now', 'eventId', 'event'],
);

const END_AGGREGATE = luaScript<'flag' | Outbox, 'expected' | 'now' | 'eventId' | 'event', number>(
  new URL('./scripts/end-aggregate.lua', import.meta.url),
  ['flag', 'outbox', 'outboxTimes'],
  ['expected', 'now', 'eventId', 'event'],
);

/** A firing flag outlives no incident by more than this: a lost recovery must not mute the next one. */
export const FLAG_TTL_MS = 24 * 3_600_000;

/**
 * Stands for a storm's model count while its event is rendered: only the storm script knows the
 * count, so the event's JSON is cut where this stands and the script joins the pieces with it. No
 * count, time or status code an event carries reads as this.
 */
const COUNT_SLOT = Number.MIN_SAFE_INTEGER;

/** An aggregate's event (firing or its end) for the group it speaks for, with `count` models concerned. */
export type RenderAggregate = (
  group: AggregateGroup,
  state: 'firing' | 'resolved',
  count: number,
) => Promise<AlertEvent>;

/** A flag's value changed under every attempt: other writers far outpaced this one. */
const ATTEMPTS = 50;

function parseGroup(raw: string): AggregateGroup | null {
  try {
    const group = JSON.parse(raw) as AggregateGroup | null;
    return typeof group === 'object' && group !== null && 'category' in group ? group : null;
  } catch {
    return null;
  }
}

export interface StormStepResult {
  outcome: 'fired' | 'ended' | null;
  count: number;
  /** The group stored when the storm fired; for `ended`, what its recovery must repeat. */
  group: AggregateGroup | null;
  /** What `fired` or `ended` wrote to the health outbox: publish it, then mark it published. */
  event: AlertEvent | null;
}

/**
 * Where aggregates keep their state between probes (firing flags, storm members), and the health
 * outbox their events go into in the same step as the state they describe.
 */
export function aggregateStore(redis: Redis, keys: RedisKeys) {
  const outbox = { outbox: keys.healthOutbox(), outboxTimes: keys.healthOutboxTimes() };
  const flagKey = (kind: AggregateKind, provider: string) => keys.aggregateFlag(kind, provider);
  return {
    /**
     * Opens the provider outage if every one of `modelKeys` is failing, writing `event` to the
     * outbox with it; true for the one caller that did.
     */
    async openOutage(group: AggregateGroup, modelKeys: string[], event: AlertEvent): Promise<boolean> {
      const opened = await OPEN_OUTAGE.run(
        redis,
        { flag: flagKey('provider_outage', group.provider), ...outbox },
        {
          group: JSON.stringify(group),
          flagTtlMs: FLAG_TTL_MS,
          now: Date.now(),
          eventId: event.id,
          event: JSON.stringify(event),
        },
        modelKeys.map((k) => keys.modelHealth(k)),
      );
      return opened === 1;
    },
    /**
     * Ends the aggregate if it fires, writing its end's event (rendered from the group stored when
     * it fired) to the outbox with it: that event for the one caller that ended it, else null.
     * `fallback` stands in for a flag an older replica set without its group.
     */
    async close(
      kind: AggregateKind,
      provider: string,
      fallback: AggregateGroup,
      render: (group: AggregateGroup) => Promise<AlertEvent>,
    ): Promise<AlertEvent | null> {
      const flag = flagKey(kind, provider);
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const raw = await redis.get(flag);
        if (raw === null) return null;
        const event = await render(parseGroup(raw) ?? fallback);
        const ended = await END_AGGREGATE.run(
          redis,
          { flag, ...outbox },
          { expected: raw, now: Date.now(), eventId: event.id, event: JSON.stringify(event) },
        );
        if (ended) return event;
      }
      throw new Error(`the ${kind} flag of ${provider} kept changing under us: ${ATTEMPTS} attempts`);
    },
    /** One model entering or leaving a storm; the storm's event, or its end's, in the outbox with it. */
    async storm(
      group: AggregateGroup,
      change: { op: 'enter' | 'leave'; model: string },
      now: number,
      cfg: StormConfig,
      render: RenderAggregate,
    ): Promise<StormStepResult> {
      const flag = flagKey(group.kind, group.provider);
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const stored = await redis.get(flag);
        // The only event this step can write: the storm firing if it does not fire yet, else its end.
        const event =
          stored === null
            ? await render(group, 'firing', COUNT_SLOT)
            : await render(parseGroup(stored) ?? group, 'resolved', COUNT_SLOT);
        const [outcome, count, raw, written] = await STORM_STEP.run(
          redis,
          { members: keys.stormMembers(group.kind, group.provider, cfg.windowMs), flag, ...outbox },
          {
            expected: stored ?? '',
            now,
            windowMs: cfg.windowMs,
            op: change.op,
            model: change.model,
            threshold: cfg.threshold,
            group: JSON.stringify(group),
            flagTtlMs: FLAG_TTL_MS,
            eventId: event.id,
          },
          JSON.stringify(event).split(String(COUNT_SLOT)),
        );
        if (outcome === 'stale') continue;
        return {
          outcome: outcome === 'fired' || outcome === 'ended' ? outcome : null,
          count,
          group: raw ? (parseGroup(raw) ?? group) : null,
          event: written ? (JSON.parse(written) as AlertEvent) : null,
        };
      }
      throw new Error(`the ${group.kind} storm flag kept changing under us: ${ATTEMPTS} attempts`);
    },
  };
}
export type AggregateStore = ReturnType<typeof aggregateStore>;
