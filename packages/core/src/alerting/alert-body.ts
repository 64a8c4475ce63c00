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

const isTest = (n: Notification) => n.event.source === 'test' && n.kind !== 'summary';

/** What the subject says before the category: a person tells a test, a flap or a past incident at a glance. */
function subjectState(n: Notification): string {
  if (isTest(n)) return 'TEST: ';
  if (n.kind === 'resolved') return 'Resolved: ';
  if (n.flapping) return 'Flapping: ';
  if (n.firedAndResolved) return 'Fired and resolved: ';
  return '';
}

export function alertSubject(n: Notification, prefix: string): string {
  const provider = headerSafe(n.event.provider);
  const what =
    n.kind === 'summary'
      ? `${n.heldBack?.count ?? 0} alerts held back`
      : `${subjectState(n)}${categoryTitle(n)}`;
  return headerSafe(`${prefix}: ${what} (${provider})`);
}

const plural = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;

function heldLine(n: Notification): string[] {
  const k = n.heldUnderIncident ?? 0;
  return k > 0 ? [`${plural(k, 'single-model alert')} held under this incident`] : [];
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

/** ISO time to the second, as the alert template shows it (`2025-11-17T10:30:00Z`). */
const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** What the template leaves out but a reader needs: where, how often, and the provider's own words. */
function particulars(n: Notification): string[] {
  const e = n.event;
  const lines: string[] = [];
  if (n.models?.length && (n.models.length > 1 || n.models[0] !== e.model))
    lines.push(`Models: ${n.models.map(headerSafe).join(', ')}`);
  else if (e.model) lines.push(`Model: ${headerSafe(e.model)}`);
  if (e.gateway) lines.push(`Gateway: ${headerSafe(e.gateway)}`);
  const alerting = n.kind === 'firing' || n.kind === 'repeat';
  if (alerting) {
    lines.push(`Occurrences: ${n.occurrences} since ${seconds(n.firstSeen)}`);
    lines.push(`Suppressed: ${n.suppressed}`);
  }
  if (n.flapping)
    lines.push(
      `Flapping: fired ${plural(n.flapping.fired, 'time')} and resolved ${plural(n.flapping.resolved, 'time')} since ${seconds(n.firstSeen)}`,
    );
  if (alerting && n.firedAndResolved)
    lines.push(
      `Fired and resolved: lasted ${minutes(n.firedAndResolved.durationMs)} from ${seconds(n.firstSeen)}; it has not failed since`,
    );
  lines.push(...heldLine(n));
  if (alerting) {
    lines.push(`Details: ${e.message}`);
    if (e.statusCode !== null)
      lines.push(`Status: ${e.statusCode}${e.providerCode ? ` (${e.providerCode})` : ''}`);
    lines.push(`Reason: ${e.reason}`);
  }
  lines.push(`Source: ${e.source}`);
  return lines;
}

/**
 * The plain-text body every channel shares (e-mail text part, alert file entry, Slack text): the
 * alert template line for line (ALERT, Severity, Provider, Time, Message, Original Error,
 * Recommended Actions), then the particulars, so `grep` and a reader find the template's lines.
 */
export function alertText(n: Notification): string {
  const e = n.event;
  const lines: string[] = [];
  if (n.kind === 'summary') {
    lines.push('ALERT SUMMARY: CAP REACHED', `Time: ${seconds(n.lastSeen)}`, '');
    lines.push(
      `${n.heldBack?.count ?? 0} notifications were held back by the hourly cap (ALERT_MAX_PER_HOUR):`,
    );
    for (const t of n.heldBack?.titles ?? []) lines.push(`- ${t}`);
    return `${lines.join('\n')}\n`;
  }
  const head = n.kind === 'resolved' ? 'RESOLVED' : 'ALERT';
  lines.push(`${isTest(n) ? `TEST ${head}` : head}: ${e.category.toUpperCase()}`);
  lines.push(`Severity: ${e.severity}`);
  lines.push(`Provider: ${headerSafe(e.provider)}`);
  lines.push(`Time: ${seconds(e.occurredAt)}`);
  lines.push('');
  if (n.kind === 'resolved') {
    lines.push(
      `Resolved after ${minutes(n.durationMs ?? 0)}: ${plural(n.totalEvents, 'event')} between ${seconds(n.firstSeen)} and ${seconds(n.lastSeen)}.`,
    );
  } else {
    lines.push(`Message: ${TAXONOMY[e.category]?.summary(headerSafe(e.provider)) ?? e.message}`);
    lines.push('');
    lines.push(`Original Error: ${e.originalError}`);
    lines.push('');
    lines.push('Recommended Actions:');
    e.recommendedActions.forEach((a, i) => {
      lines.push(`${i + 1}. ${a}`);
    });
  }
  lines.push('', ...particulars(n));
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
