/**
 * The alerter's path from one AlertEvent to what a person receives, in order. Each stage is one
 * file; between stages 1 and 3, and 5 and 6, the hand-over is a queue job with a deterministic id
 * (jobs.ts), so a crash or a retry at any point repeats a step instead of losing or doubling it.
 * Routes, silences and maintenance windows slot in as stages between `decide` and `dispatch`.
 */
export const STAGES = [
  {
    stage: 'event',
    file: 'processor.ts',
    does: 'validates and redacts an AlertEvent from the alerts queue, counts it into its group (or a recovery out of it) and sets the group’s timer',
  },
  {
    stage: 'group',
    file: 'group-store.ts',
    does: 'the group’s state, changed only by scripts/record.lua, recover.lua and resolve.lua; the spec they follow is packages/core/src/alerting/group-lifecycle.ts',
  },
  {
    stage: 'flush',
    file: 'timers.ts',
    does: 'the alert-groups queue: a flush at the group wait or a repeat, a settle when a recovery held, the sweep that repairs lost timers',
  },
  {
    stage: 'outbox',
    file: 'notification-outbox.ts',
    does: 'scripts/take.lua takes what happened since the last notification into the outbox in the same step; it stays there until its deliveries are queued',
  },
  {
    stage: 'decide',
    file: 'notify.ts',
    does: 'routing (packages/core routing.ts, group-notifications.ts), the rate-limit window (rate-limit-window.ts) and inhibition (inhibition.ts, scripts/release-inhibition.lua) decide what the take goes out as; scripts/decide.lua keeps the first decision',
  },
  {
    stage: 'dispatch',
    file: 'dispatch.ts',
    does: 'the hourly cap (scripts/cap-admit.lua), then one alert-deliveries job per (notification, target)',
  },
  {
    stage: 'deliver',
    file: 'delivery-processor.ts',
    does: 'sends through a channel (channels/*.ts), retried by age with backoff; a target failing for long raises a meta-alert on the others (delivery-health.ts: scripts/delivery-failed.lua, delivery-succeeded.lua)',
  },
] as const;

/** Where the alerter reads the time: injected, so tests state exact times instead of sleeping. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
