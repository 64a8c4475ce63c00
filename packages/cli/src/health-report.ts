import type { HealthSummary, ModelStatusRow, ProbeFreshness } from '@faultline/runtime';
import { plural } from './plural.ts';

/** What `faultline health` says, and exits 1 for, when it finds no model to check. */
export const NO_MODELS = 'no models: set FAULTLINE_MODELS_FILE or start the health-probe worker';

const PROBE_HINT =
  'is the health-probe worker running against this REDIS_URL and QUEUE_PREFIX, with these models in its FAULTLINE_MODELS_FILE?';

/** At most this many problem lines; --json lists every model. */
const MAX_PROBLEM_LINES = 20;

/** An interval as it would be written in a models file: 200ms, 30s, 5m, 1h. */
export function formatInterval(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** An age, coarse: 12s, 3m, 5h, 2d. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function probeCell(p: ProbeFreshness): string {
  if (p.state === 'not_probed') return 'not probed';
  const ago = `${formatAge(p.age_ms ?? 0)} ago`;
  return p.state === 'stale' ? `probe stale (last ${ago})` : ago;
}

/** `billing_quota insufficient_quota 429`: category, reason and status code of the last failure. */
export function lastErrorCell(e: ModelStatusRow['last_error']): string {
  if (!e) return '-';
  return [e.category, e.reason, e.status_code].filter((x) => x !== null && x !== '').join(' ');
}

const ageCell = (iso: string | null, now: number) =>
  iso === null ? '-' : `${formatAge(Math.max(0, now - Date.parse(iso)))} ago`;

/** Why the fleet is not fine, one line per model (capped): empty when every model is healthy and probed. */
export function problemsOf(summary: HealthSummary): string[] {
  if (!summary.details.length) return [NO_MODELS];
  const lines: string[] = [];
  for (const d of summary.details) {
    const name = `${d.provider}/${d.model_id}`;
    const every = `expected every ${formatInterval(d.probe.interval_ms)}`;
    const why: string[] = [];
    if (d.probe.state === 'not_probed') why.push(`not probed (${every})`);
    if (d.probe.state === 'stale')
      why.push(`probe stale (last ${formatAge(d.probe.age_ms ?? 0)} ago, ${every})`);
    if (d.status !== 'healthy')
      why.push(
        `${d.status} (breaker ${d.circuit_breaker_state})${d.last_error ? `: ${lastErrorCell(d.last_error)}` : ''}`,
      );
    if (why.length) lines.push(`${name}: ${why.join('; ')}`);
  }
  return lines;
}

/** The table: columns as wide as their widest cell, two spaces apart, no trailing blanks. */
export function renderTable(summary: HealthSummary, now: number): string {
  const head = [
    'PROVIDER',
    'MODEL',
    'STATUS',
    'BREAKER',
    'SUCCESS',
    'P50 MS',
    'ERRORS',
    'LAST PROBE',
    'LAST FAILURE',
    'LAST ERROR',
  ];
  const rows = summary.details.map((d) => [
    d.provider,
    d.model_id,
    // No outcome at all, probe or traffic: "healthy" would be a guess.
    d.probed ? d.status : '-',
    d.circuit_breaker_state,
    `${Math.round(d.success_rate * 100)}%`,
    String(d.response_time_ms.p50 ?? '-'),
    String(d.error_count),
    probeCell(d.probe),
    ageCell(d.last_failure, now),
    lastErrorCell(d.last_error),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) => `${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd())
    .join('\n');
}

/** The whole text report: the status line, the table, then the verdict the exit code gives. */
export function renderReport(summary: HealthSummary, problems: string[], now: number): string {
  const m = summary.models;
  const out = [
    `status: ${summary.status} (${plural(m.total, 'model')}: ${m.healthy} healthy, ${m.degraded} degraded, ${m.unhealthy} unhealthy)`,
    '',
  ];
  if (!summary.details.length) return `${[...out, NO_MODELS].join('\n')}\n`;
  out.push(renderTable(summary, now), '');
  if (!problems.length) {
    out.push(`ok: every model healthy and probed within two of its intervals`);
    return `${out.join('\n')}\n`;
  }
  out.push(`not healthy: ${problems.length} of ${plural(m.total, 'model')}`);
  out.push(...problems.slice(0, MAX_PROBLEM_LINES).map((p) => `  ${p}`));
  if (problems.length > MAX_PROBLEM_LINES)
    out.push(`  … and ${problems.length - MAX_PROBLEM_LINES} more (--json lists every model)`);
  if (summary.details.some((d) => d.probe.state !== 'fresh')) out.push(PROBE_HINT);
  return `${out.join('\n')}\n`;
}
