import type { AlertEvent } from '../contracts/alert-event.ts';
import { SEVERITY_RANK, type Severity, TAXONOMY } from '../taxonomy.ts';
import { isProviderWide } from './fingerprint.ts';
import type { Notification } from './notification.ts';

export interface RoutingFacts {
  /**
   * Enough events of this category for this provider lately: RATE_LIMIT_ALERT_THRESHOLD rate limits,
   * or BURST_ALERT_THRESHOLD of another `when_sustained` category, within their window.
   */
  sustained: boolean;
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

const atLeast = (s: Severity, min: Severity) => SEVERITY_RANK[s] >= SEVERITY_RANK[min];

/**
 * Whether a group's notification goes to people (e-mail, file, webhooks) or to Sentry only: the
 * category's `alerts` in the taxonomy (the README's taxonomy table). Billing, authentication and a model
 * gone (model_error) always; rate limits, invalid requests and unknown errors once sustained (one
 * call is the provider doing its job, many in a window are a problem); server and network errors
 * when CRITICAL (a provider outage, a critical model down); HIGH health aggregates (storms) and
 * anything at or above ALERT_NOTIFY_MIN_SEVERITY too; test events always. A job refused by an open
 * breaker (`circuit_open`) is counted but told by the health probe's own alert, not again. An
 * inhibited single-model alert is counted under its provider's incident.
 */
export function shouldNotify(
  event: AlertEvent,
  facts: RoutingFacts,
  policy: RoutingPolicy = DEFAULT_ROUTING,
): boolean {
  if (event.source === 'test') return true;
  if (facts.inhibited || event.reason === 'circuit_open') return false;
  const rule = TAXONOMY[event.category].alerts;
  if (rule === 'always') return true;
  if (rule === 'when_sustained' && facts.sustained) return true;
  if (event.category === 'rate_limit') return false;
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
