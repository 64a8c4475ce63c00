import { TAXONOMY } from '../taxonomy.ts';
import type { Notification } from './notification.ts';

/** Header values cannot carry line breaks: a provider or model name must not inject headers. */
export function headerSafe(text: string): string {
  let out = '';
  for (const ch of text) out += ch < ' ' || ch === '\u007f' ? ' ' : ch;
  return out.replace(/ {2,}/g, ' ').trim();
}

function categoryTitle(n: Notification): string {
  return TAXONOMY[n.event.category]?.title ?? n.event.category;
}

export function alertSubject(n: Notification, prefix: string): string {
  const provider = headerSafe(n.event.provider);
  const what =
    n.kind === 'resolved'
      ? `Resolved: ${categoryTitle(n)}`
      : n.kind === 'summary'
        ? `${n.heldBack?.count ?? 0} alerts held back`
        : categoryTitle(n);
  return headerSafe(`${prefix}: ${what} (${provider})`);
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

/** The plain-text body every channel shares (e-mail text part, alert file entry, Slack text). */
export function alertText(n: Notification): string {
  const e = n.event;
  const lines: string[] = [];
  if (n.kind === 'summary') {
    lines.push('ALERT SUMMARY: CAP REACHED', `Time: ${n.lastSeen}`, '');
    lines.push(
      `${n.heldBack?.count ?? 0} notifications were held back by the hourly cap (ALERT_MAX_PER_HOUR):`,
    );
    for (const t of n.heldBack?.titles ?? []) lines.push(`- ${t}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${n.kind === 'resolved' ? 'RESOLVED' : 'ALERT'}: ${e.category.toUpperCase()}`);
  lines.push(`Severity: ${e.severity}`);
  lines.push(`Provider: ${headerSafe(e.provider)}`);
  if (e.gateway) lines.push(`Gateway: ${headerSafe(e.gateway)}`);
  if (e.model) lines.push(`Model: ${headerSafe(e.model)}`);
  lines.push(`Source: ${e.source}`);
  lines.push(`Time: ${e.occurredAt}`);
  lines.push('');
  if (n.kind === 'resolved') {
    lines.push(
      `Resolved after ${minutes(n.durationMs ?? 0)}: ${n.totalEvents} events between ${n.firstSeen} and ${n.lastSeen}.`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Message: ${TAXONOMY[e.category]?.summary(headerSafe(e.provider)) ?? e.message}`);
  lines.push('');
  lines.push(`Original Error: ${e.originalError}`);
  lines.push(`Details: ${e.message}`);
  if (e.statusCode !== null)
    lines.push(`Status: ${e.statusCode}${e.providerCode ? ` (${e.providerCode})` : ''}`);
  lines.push(`Reason: ${e.reason}`);
  lines.push(`Occurrences: ${n.occurrences} since ${n.firstSeen}`);
  lines.push(`Suppressed: ${n.suppressed}`);
  lines.push('');
  lines.push('Recommended Actions:');
  e.recommendedActions.forEach((a, i) => {
    lines.push(`${i + 1}. ${a}`);
  });
  return `${lines.join('\n')}\n`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function alertHtml(n: Notification): string {
  const [title, ...rest] = alertText(n).trimEnd().split('\n');
  const color = n.kind === 'resolved' ? '#2e7d32' : n.event.severity === 'CRITICAL' ? '#c62828' : '#ef6c00';
  return `<!doctype html><html><body style="font-family:sans-serif">
<h2 style="color:${color}">${escapeHtml(title ?? '')}</h2>
<pre style="font-size:14px;white-space:pre-wrap">${escapeHtml(rest.join('\n'))}</pre>
</body></html>`;
}
