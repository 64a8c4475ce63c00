import { createHash } from 'node:crypto';
import type { AlertEvent } from '../contracts/alert-event.ts';
import type { Category } from '../taxonomy.ts';

export const GROUP_KEYS = ['category', 'provider', 'model', 'source', 'gateway', 'reason'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
export const DEFAULT_GROUP_BY: GroupKey[] = ['category', 'provider', 'model', 'source'];

/**
 * A bad key or an empty balance is one incident of the key, whichever models and sources report it:
 * one group per provider, listing the models that fail. It resolves only when each of them is seen
 * working again (alert groups keep their members), so a sibling that works never closes it.
 */
export const PROVIDER_WIDE: ReadonlySet<Category> = new Set(['billing_quota', 'authentication']);

export function isProviderWide(event: Pick<AlertEvent, 'category' | 'reason'>): boolean {
  return PROVIDER_WIDE.has(event.category) || event.reason === 'provider_outage';
}

/**
 * Invalid requests and unknown errors reach people as a burst of the provider's: one digest group
 * per provider naming the models, not one group per model.
 */
export const DIGESTED: ReadonlySet<Category> = new Set(['invalid_request', 'unknown']);

/** Grouped per provider, with the models it concerns listed: a key's incident, or a digest. */
export function isProviderLevel(event: Pick<AlertEvent, 'category' | 'reason' | 'source'>): boolean {
  return isProviderWide(event) || (DIGESTED.has(event.category) && event.source !== 'health_probe');
}

/**
 * What a health event stands for in its group: its model, or an aggregate (`@provider_outage`).
 * Its recovery removes the same member; the group resolves when none is left. Generation traffic
 * has no recovery event, so it adds none: its groups close by quiet.
 */
export function groupMember(event: Pick<AlertEvent, 'source' | 'model' | 'reason'>): string {
  if (event.source !== 'health_probe') return '';
  return event.model ?? `@${event.reason}`;
}

/** The group an event belongs to; a stable, short id so it can sit in Redis keys and job ids. */
export function fingerprintOf(event: AlertEvent, groupBy: readonly GroupKey[] = DEFAULT_GROUP_BY): string {
  const parts = groupBy.map((key) => {
    if ((key === 'model' || key === 'source') && isProviderWide(event)) return '*';
    if (key === 'model' && isProviderLevel(event)) return '*';
    return String(event[key] ?? '');
  });
  // A test alert must always go through, so each is a group of its own.
  if (event.source === 'test') parts.push(event.id);
  return createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
