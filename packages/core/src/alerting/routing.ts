import type { AlertEvent } from '../contracts/alert-event.ts';
import { isProviderWide } from './fingerprint.ts';
import type { Notification } from './notification.ts';

export interface RoutingFacts {
  /** RATE_LIMIT_ALERT_THRESHOLD events for this provider within RATE_LIMIT_ALERT_WINDOW. */
  rateLimitSustained: boolean;
  /** A provider-wide incident of this provider is firing and this is a single model's alert. */
  inhibited: boolean;
}

/**
 * Whether a group's notification goes to people (e-mail, file, webhooks) or to Sentry only.
 * CRITICAL always; HIGH when it is a health aggregate or a sustained rate limit; test events always;
 * MEDIUM and LOW stay in Sentry. An inhibited single-model alert goes to Sentry only, and is counted
 * under its incident (its next notification says how many).
 */
export function shouldNotify(event: AlertEvent, facts: RoutingFacts): boolean {
  if (event.source === 'test') return true;
  if (facts.inhibited) return false;
  if (event.severity === 'CRITICAL') return true;
  if (event.severity === 'HIGH') {
    if (event.category === 'rate_limit') return facts.rateLimitSustained;
    return event.source === 'health_probe';
  }
  return false;
}

/**
 * Whether this notification starts (or renews) its provider's inhibition: a provider-wide group that
 * reaches people. A test alert never does, or `faultline test-alert` would hide real alerts.
 */
export function opensIncident(n: Pick<Notification, 'notify' | 'event'>): boolean {
  return n.notify && n.event.source !== 'test' && isProviderWide(n.event);
}
