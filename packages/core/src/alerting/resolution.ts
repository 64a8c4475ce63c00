import type { AlertEvent } from '../contracts/alert-event.ts';
/**
 * Whether a group may be closed by ALERT_RESOLVE_AFTER without events. The health-probe worker
 * publishes on transitions only (a model down for two hours sends nothing in between), so its
 * silence means "no change", not "over": its groups close on its recovery event alone.
 */
export function resolvesWhenQuiet(event: Pick<AlertEvent, 'source'>): boolean {
  return event.source !== 'health_probe';
}
