import type { AlertEvent } from '../contracts/alert-event.ts';

export const CHANNELS = ['email', 'file', 'sentry', 'webhook', 'slack'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What one delivery says: a group's first alert, a repeat with what was suppressed, its resolution, or a cap summary. */
export interface Notification {
  /** Deterministic: a group, its generation and its notification number; delivery job ids derive from it. */
  id: string;
  kind: 'firing' | 'repeat' | 'resolved' | 'summary';
  fingerprint: string;
  /** The group's first event, as the representative of all it holds. */
  event: AlertEvent;
  /** Events this notification covers (since the previous one). */
  occurrences: number;
  /** Events of those that were not sent on their own. */
  suppressed: number;
  totalEvents: number;
  firstSeen: string;
  lastSeen: string;
  /** For `resolved`: how long the group was open. */
  durationMs?: number;
  /**
   * For a provider incident's `firing`/`repeat`: single-model alerts kept from people under it since
   * its previous notification; for its `resolved`: all of them.
   */
  heldUnderIncident?: number;
  /** Fired again after recovering, while its group was open: how often it fired and recovered. */
  flapping?: { fired: number; resolved: number };
  /** For a `firing` that had already recovered when it went out: how long it lasted. */
  firedAndResolved?: { durationMs: number };
  /** The models failing in the group (a provider-wide incident lists each), as the health probes report them. */
  models?: string[];
  /** For `summary`: what a channel's hourly cap held back. */
  heldBack?: { count: number; titles: string[] };
  /** Channels beyond Sentry that should carry it (routing decides). */
  notify: boolean;
}
