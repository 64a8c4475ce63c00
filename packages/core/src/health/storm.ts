/**
 * A storm: more than `threshold` distinct models of one provider entering a state (starting to
 * fail, or their breaker opening) within `windowMs`. Counted per model, not per transition, so a
 * model that flaps is one model; a model leaves the storm when it recovers or its entry ages out.
 */
export interface StormConfig {
  windowMs: number;
  threshold: number;
}

export interface StormState {
  /** Model → when it last entered. */
  members: Record<string, number>;
  /** The storm's event was published and is not resolved yet. */
  firing: boolean;
}

export interface StormStep {
  state: StormState;
  count: number;
  /** `fired`: publish the storm's event; `ended`: publish its recovery; null: nothing to say. */
  outcome: 'fired' | 'ended' | null;
}

export const NO_STORM: StormState = { members: {}, firing: false };

/** One model entering or leaving: the spec the Redis script (services/health-probe-worker) follows. */
export function nextStorm(
  prev: StormState,
  change: { op: 'enter' | 'leave'; model: string },
  now: number,
  cfg: StormConfig,
): StormStep {
  const members = Object.fromEntries(
    Object.entries(prev.members).filter(([, at]) => at > now - cfg.windowMs),
  );
  if (change.op === 'enter') members[change.model] = now;
  else delete members[change.model];
  const count = Object.keys(members).length;
  if (count > cfg.threshold)
    return { state: { members, firing: true }, count, outcome: prev.firing ? null : 'fired' };
  return { state: { members, firing: false }, count, outcome: prev.firing ? 'ended' : null };
}
