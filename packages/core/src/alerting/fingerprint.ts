import { createHash } from 'node:crypto';
import type { AlertEvent } from '../contracts/alert-event.ts';
import type { Category } from '../taxonomy.ts';

export const GROUP_KEYS = ['category', 'provider', 'model', 'source', 'gateway', 'reason'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
export const DEFAULT_GROUP_BY: GroupKey[] = ['category', 'provider', 'model', 'source'];

/** A bad key or empty balance is the whole provider's problem, not one model's: one group per provider. */
export const PROVIDER_WIDE: ReadonlySet<Category> = new Set(['billing_quota', 'authentication']);

export function isProviderWide(event: Pick<AlertEvent, 'category' | 'reason'>): boolean {
  return PROVIDER_WIDE.has(event.category) || event.reason === 'provider_outage';
}

/** The group an event belongs to; a stable, short id so it can sit in Redis keys and job ids. */
export function fingerprintOf(event: AlertEvent, groupBy: readonly GroupKey[] = DEFAULT_GROUP_BY): string {
  const parts = groupBy.map((key) => {
    if (key === 'model' && isProviderWide(event)) return '*';
    return String(event[key] ?? '');
  });
  // A test alert must always go through, so each is a group of its own.
  if (event.source === 'test') parts.push(event.id);
  return createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
