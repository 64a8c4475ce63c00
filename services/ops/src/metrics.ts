import { statusOf } from '@faultline/core';
import { METRICS, type MetricsCounters, modelStates } from '@faultline/runtime';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

/** /metrics: BullMQ's own queue metrics plus Faultline's counters, in Prometheus text format. */
export async function renderMetrics(deps: {
  queues: Queue[];
  counters: MetricsCounters;
  redis: Redis;
  prefix: string;
  slowMs: number;
}) {
  const out: string[] = [];
  // BullMQ repeats HELP/TYPE per queue; Prometheus wants each family announced once.
  const seenFamilies = new Set<string>();
  for (const q of deps.queues) {
    for (const line of (await q.exportPrometheusMetrics()).split('\n')) {
      const family = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1];
      if (family) {
        const tag = `${line.slice(0, 6)}${family}`;
        if (seenFamilies.has(tag)) continue;
        seenFamilies.add(tag);
      }
      if (line.trim()) out.push(line);
    }
  }
  const counter = async (name: string, help: string, type = 'counter') => {
    out.push(`# HELP faultline_${name} ${help}`, `# TYPE faultline_${name} ${type}`);
    for (const { labels: l, value } of await deps.counters.read(name))
      out.push(`faultline_${name}${labels(l)} ${value}`);
  };
  await counter(
    METRICS.classifiedErrors,
    'Failed provider calls, classified, by category, severity and provider.',
  );
  await counter(METRICS.notifications, 'Alert deliveries by channel and outcome (sent, failed attempt).');
  await counter(
    METRICS.notificationsSuppressed,
    'Events folded into a notification instead of being sent on their own, by channel.',
  );
  await counter(METRICS.breakerTransitions, 'Circuit breaker transitions by kind and provider.');

  out.push(
    `# HELP faultline_${METRICS.probeLatency} Health probe latency in ms by provider and gateway.`,
    `# TYPE faultline_${METRICS.probeLatency} histogram`,
  );
  for (const { labels: l, value } of await deps.counters.read(METRICS.probeLatency))
    out.push(`faultline_${METRICS.probeLatency}_bucket${labels(l)} ${value}`);
  for (const { labels: l, value } of await deps.counters.read(`${METRICS.probeLatency}_sum`))
    out.push(`faultline_${METRICS.probeLatency}_sum${labels(l)} ${value}`);
  for (const { labels: l, value } of await deps.counters.read(`${METRICS.probeLatency}_count`))
    out.push(`faultline_${METRICS.probeLatency}_count${labels(l)} ${value}`);

  const breaker: string[] = [];
  const up: string[] = [];
  for (const { spec, health } of await modelStates(deps.redis, deps.prefix)) {
    for (const state of ['closed', 'open', 'half_open']) {
      breaker.push(
        `faultline_breaker_state${labels({ provider: spec.provider, model: spec.id, state })} ${health.breaker === state ? 1 : 0}`,
      );
    }
    const unhealthy = statusOf(health, { slowMs: deps.slowMs }) === 'unhealthy';
    up.push(`faultline_model_up${labels({ provider: spec.provider, model: spec.id })} ${unhealthy ? 0 : 1}`);
  }
  out.push(
    '# HELP faultline_breaker_state Circuit breaker state per model (1 for the current state).',
    '# TYPE faultline_breaker_state gauge',
    ...breaker,
  );
  out.push(
    '# HELP faultline_model_up 1 while a model is healthy or degraded, 0 while unhealthy.',
    '# TYPE faultline_model_up gauge',
    ...up,
  );
  return `${out.join('\n')}\n`;
}
