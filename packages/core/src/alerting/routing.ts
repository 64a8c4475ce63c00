import type { AlertEvent } from '../contracts/alert-event.ts';
import type { Severity } from '../taxonomy.ts';
import { isProviderWide } from './fingerprint.ts';
import type { Notification } from './notification.ts';

export interface RoutingFacts {
  /** RATE_LIMIT_ALERT_THRESHOLD events for this provider within RATE_LIMIT_ALERT_WINDOW. */
  rateLimitSustained: boolean;
  /** A provider-wide incident of this provider is firing and this is a single model's alert. */
  inhibited: boolean;
}

/** What the team chose to hear about (ALERT_NOTIFY_MIN_SEVERITY, SENTRY_MIN_SEVERITY). */
export interface RoutingPolicy {
  /** Groups at or above this severity go to people; below it, only the HIGH rules below do. */
  notifyMinSeverity: Severity;
  /** Groups at or above this severity go to Sentry. */
  sentryMinSeverity: Severity;
}

export const DEFAULT_ROUTING: RoutingPolicy = { notifyMinSeverity: 'CRITICAL', sentryMinSeverity: 'LOW' };

const RANK: Record<Severity, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const atLeast = (s: Severity, min: Severity) => RANK[s] >= RANK[min];

/**
 * Whether a group's notification goes to people (e-mail, file, webhooks) or to Sentry only. By
 * default: CRITICAL always; HIGH when it is a health aggregate; a rate limit only when sustained,
 * whatever the minimum; test events always; MEDIUM and LOW stay in Sentry. An inhibited single-model
 * alert goes to Sentry only, and is counted under its incident (its next notification says how many).
 */
export function shouldNotify(
  event: AlertEvent,
  facts: RoutingFacts,
  policy: RoutingPolicy = DEFAULT_ROUTING,
): boolean {
  if (event.source === 'test') return true;
  if (facts.inhibited) return false;
  // One throttled call is the provider doing its job; many in a window is a capacity problem.
  if (event.category === 'rate_limit') return facts.rateLimitSustained;
  if (atLeast(event.severity, policy.notifyMinSeverity)) return true;
  return event.severity === 'HIGH' && event.source === 'health_probe';
}

/** Whether a group goes to Sentry: every one by default; test alerts always, to show the channel works. */
export function goesToSentry(event: AlertEvent, policy: RoutingPolicy = DEFAULT_ROUTING): boolean {
  return event.source === 'test' || atLeast(event.severity, policy.sentryMinSeverity);
}

/**
 * Whether this notification starts (or renews) its provider's inhibition: a provider-wide group that
 * reaches people. A test alert never does, or `faultline test-alert` would hide real alerts.
 */
export function opensIncident(n: Pick<Notification, 'notify' | 'event'>): boolean {
  return n.notify && n.event.source !== 'test' && isProviderWide(n.event);
}
