import { type Classification, type ClassifiedError, redactSecrets, type Signals } from '@faultline/core';

const MAX_TEXT = 300;
const list = (values: Iterable<string>) => [...values].join(', ') || '-';
const cut = (text: string) => {
  const flat = redactSecrets(text.replace(/\s+/g, ' ').trim());
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}…` : flat || '-';
};

/**
 * What `faultline classify --explain` prints before the ClassifiedError: the signals the classifier read
 * (status, codes, types, class names, the transport layers it peeled and the words left inside) and the
 * rule that decided, with how sure it is. Every text is redacted, as the ClassifiedError is.
 */
export function formatExplanation(
  signals: Signals,
  classified: ClassifiedError | Classification,
  retryAfterMs: number | null,
): string {
  const status =
    signals.status === null
      ? '-'
      : `${signals.status}${signals.statusFromText ? ' (read from the text)' : ''}`;
  const rows: [string, string][] = [
    ['status', status],
    ['codes', list(signals.codes)],
    ['provider code', signals.providerCode ?? '-'],
    ['provider type', signals.providerType ?? '-'],
    ['classes', list(signals.kinds)],
    ['node code', signals.nodeCode ?? '-'],
    ['layers peeled', signals.layers.length ? signals.layers.join(' › ') : '-'],
    ['unwrapped text', cut(signals.unwrapped)],
    ['retry after', retryAfterMs === null ? '-' : `${retryAfterMs} ms`],
  ];
  const decided: [string, string][] = [
    ['rule', classified.rule ?? '-'],
    ['confidence', classified.confidence ?? '-'],
    ['category', `${classified.category} (${classified.reason})`],
    ['severity', classified.severity],
    ['retryable', String(classified.isRetryable)],
  ];
  const table = (entries: [string, string][]) =>
    entries.map(([name, value]) => `  ${name.padEnd(15)} ${redactSecrets(value)}`).join('\n');
  return `signals read:\n${table(rows)}\ndecided by:\n${table(decided)}\n`;
}
