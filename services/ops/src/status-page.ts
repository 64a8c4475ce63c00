import type { HealthSummary } from '@faultline/runtime';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const COLORS = { healthy: '#2e7d32', degraded: '#ef6c00', unhealthy: '#c62828' } as const;

/** A plain HTML status page: one row per model, no scripts, readable at a glance. */
export function statusPage(summary: HealthSummary, groups: Record<string, string>[]): string {
  const rows = summary.details
    .map(
      (d) => `<tr><td>${esc(d.provider)}</td><td>${esc(d.model_id)}</td>
<td class="status" style="color:${COLORS[d.status]}">${d.status}</td><td>${d.circuit_breaker_state}</td>
<td>${Math.round(d.success_rate * 100)}%</td><td>${d.response_time_ms.p50 ?? '-'}</td><td>${esc(d.last_failure ?? '-')}</td></tr>`,
    )
    .join('\n');
  const open = groups.filter((g) => g.state === 'open' || g.state === 'pending');
  const incidents = open
    .map((g) => {
      const e = JSON.parse(g.event ?? '{}');
      return `<li><b>${esc(String(e.category))}</b> at ${esc(String(e.provider))}${e.model ? `/${esc(String(e.model))}` : ''}: ${esc(String(g.count))} event${Number(g.count) === 1 ? '' : 's'} since ${new Date(Number(g.firstSeen)).toISOString()}</li>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Faultline status</title>
<meta http-equiv="refresh" content="15">
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body>
<h1>Faultline status: <span id="overall" style="color:${COLORS[summary.status as keyof typeof COLORS]}">${summary.status}</span></h1>
<p id="counts">${summary.models.total} model${summary.models.total === 1 ? '' : 's'}: ${summary.models.healthy} healthy, ${summary.models.degraded} degraded, ${summary.models.unhealthy} unhealthy</p>
<h2>Open incidents</h2>
${open.length ? `<ul id="incidents">${incidents}</ul>` : '<p id="incidents">none</p>'}
<h2>Models</h2>
<table id="models"><thead><tr><th>Provider</th><th>Model</th><th>Status</th><th>Breaker</th><th>Success</th><th>p50 ms</th><th>Last failure</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">no model probed yet</td></tr>'}
</tbody></table>
<p><a href="/dashboard">Queues dashboard</a> · <a href="/metrics">Prometheus metrics</a> · <a href="/api/monitoring/health?detail=true">health JSON</a></p>
</body></html>`;
}
