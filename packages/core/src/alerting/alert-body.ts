import { TAXONOMY } from '../taxonomy.ts';
import type { Notification } from './notification.ts';

/** C0 and C1 controls and DEL: what a terminal acts on (ANSI escapes, backspace) rather than shows. */
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
/** Every line break a terminal, an editor or a mail client might honour. */
const isLineBreak = (c: number) => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
/** Bidi controls, which reorder what a reader sees (Trojan Source, CVE-2021-42574). */
const isBidi = (c: number) =>
  c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

/**
 * Header values cannot carry line breaks: a provider or model name must not inject headers. Every
 * control character, line separator and bidi control becomes a space.
 */
export function headerSafe(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += isControl(c) || isLineBreak(c) || isBidi(c) ? ' ' : text[i];
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Continuation lines of a value start with this, so none of them can start an entry or a field. */
export const CONTINUATION_INDENT = '    ';

/**
 * An event's free text (a provider's message, an error, an action) as the body shows it: a line break
 * stays one, but what follows is indented, so a producer's `\nTIMESTAMP: …` cannot forge an alert-file
 * entry or a field (B5 of the reliability review; OWASP's log-injection advice). Other controls and
 * bidi overrides show as escapes (`\x1b`, `\u202e`).
 */
export function bodySafe(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLineBreak(c)) {
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      out += `\n${CONTINUATION_INDENT}`;
    } else if (c === 0x09) out += '\t';
    else if (isControl(c)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (isBidi(c)) out += `\\u${c.toString(16)}`;
    else out += text[i];
  }
  return out;
}

/** At most `max` characters (whole code points), marked with … when cut. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A provider as a subject names it: enough to tell one from another, never a wall of text (B6). */
const SUBJECT_PROVIDER_MAX = 64;
/** Mail clients show about this much of a subject; RFC 5322 allows any length, but MTAs cap lines at 998. */
const SUBJECT_MAX = 200;

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
  const provider = clip(headerSafe(n.event.provider), SUBJECT_PROVIDER_MAX);
  const what =
    n.kind === 'summary'
      ? `${n.heldBack?.count ?? 0} alerts held back`
      : `${subjectState(n)}${categoryTitle(n)}`;
  return clip(headerSafe(`${prefix}: ${what} (${provider})`), SUBJECT_MAX);
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
    lines.push(`Details: ${bodySafe(e.message)}`);
    if (e.statusCode !== null)
      lines.push(`Status: ${e.statusCode}${e.providerCode ? ` (${headerSafe(e.providerCode)})` : ''}`);
    lines.push(`Reason: ${headerSafe(e.reason)}`);
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
    for (const t of n.heldBack?.titles ?? []) lines.push(`- ${headerSafe(t)}`);
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
    lines.push(`Message: ${TAXONOMY[e.category]?.summary(headerSafe(e.provider)) ?? bodySafe(e.message)}`);
    lines.push('');
    lines.push(`Original Error: ${bodySafe(e.originalError)}`);
    lines.push('');
    lines.push('Recommended Actions:');
    e.recommendedActions.forEach((a, i) => {
      lines.push(`${i + 1}. ${bodySafe(a)}`);
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
