import type { Notification, Severity } from '@faultline/core';
import { redactDeep } from '@faultline/core';
import { egressFromEnv, proxyFor } from '@faultline/runtime';
import type { Event } from '@sentry/node';
import type { AlerterConfig } from '../config.ts';
import { parseRetryAfter, permanentFailure, RetryLaterError, retryableStatus } from '../delivery-retry.ts';
import type { AlertChannel } from './channel.ts';

const LEVEL: Record<Severity, 'fatal' | 'error' | 'warning' | 'info'> = {
  CRITICAL: 'fatal',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
};

/** The Sentry event for a notification: tags to filter on, a context with the event's fields, one issue per group. */
export function sentryEventFor(n: Notification): Event {
  const e = n.event;
  const contextName = e.source === 'health_probe' ? 'model_health' : 'llm_error';
  return {
    message: `${n.kind === 'resolved' ? 'Resolved: ' : ''}${e.category} at ${e.provider}${e.model ? `/${e.model}` : ''}: ${e.message}`,
    level: n.kind === 'resolved' ? 'info' : LEVEL[e.severity],
    fingerprint: ['faultline', n.fingerprint],
    tags: {
      provider: e.provider,
      gateway: e.gateway ?? 'none',
      model_id: e.model ?? 'none',
      operation: e.operation,
      category: e.category,
      severity: e.severity,
      notification: n.kind,
    },
    contexts: {
      [contextName]: redactDeep({
        ...e,
        ...(e.context ?? {}),
        occurrences: n.occurrences,
        suppressed: n.suppressed,
        first_seen: n.firstSeen,
        last_seen: n.lastSeen,
      }) as Record<string, unknown>,
    },
  };
}

/**
 * How long Sentry asked to be left alone for events, as the SDK's transport reads it: X-Sentry-Rate-Limits
 * (`<seconds>:<categories>:…`, an empty category list meaning all) first, then Retry-After, then 60 s
 * for a bare 429. Undefined when the answer sets no limit on events.
 */
export function sentryRateLimitMs(
  status: number | undefined,
  headers: Record<string, string | null | undefined> | undefined,
  now = Date.now(),
): number | undefined {
  const limits = headers?.['x-sentry-rate-limits'];
  if (limits) {
    let longest: number | undefined;
    for (const limit of limits.trim().split(',')) {
      const [seconds, categories] = limit.split(':', 5);
      if (categories && !categories.split(';').includes('error')) continue;
      const s = Number.parseInt(seconds ?? '', 10);
      const ms = (Number.isNaN(s) ? 60 : s) * 1000;
      longest = Math.max(longest ?? 0, ms);
    }
    return longest;
  }
  const retryAfter = parseRetryAfter(headers?.['retry-after'] ?? undefined, now);
  if (retryAfter !== undefined) return retryAfter;
  return status === 429 ? 60_000 : undefined;
}

interface Outcome {
  /** The HTTP status; 0 for no answer (a network error, or the SDK holding it back while rate limited). */
  status: number;
  retryAfterMs?: number;
}

/**
 * Sentry's transport reads only lower-case https_proxy/http_proxy/no_proxy and Node's CAs
 * (@sentry/node transports/http.js): it is handed Faultline's egress (runtime egress.ts) instead.
 */
function sentryEgress(url: string): { proxy?: string; caCerts?: string[] } {
  const egress = egressFromEnv(process.env);
  const proxy = proxyFor(egress, url);
  return { ...(proxy ? { proxy } : {}), ...(egress.ca ? { caCerts: egress.ca } : {}) };
}

/**
 * Sends through the real @sentry/node client, with its own client and scope (no global
 * instrumentation). The SDK drops an event whose upload fails and still reports success, so the
 * transport is wrapped to learn each envelope's HTTP status and fail the delivery for a retry.
 * While Sentry rate-limits us (429 with Retry-After or X-Sentry-Rate-Limits) the SDK sends nothing
 * and answers `{}`: the delivery is then retried when the limit ends, not before.
 */
export function sentryChannel(cfg: AlerterConfig): AlertChannel {
  const outcomes = new Map<string, Outcome>();
  // When the SDK's transport will send events again, as it computed from Sentry's last answer.
  let limitedUntil = 0;
  const start = ({ makeNodeTransport, NodeClient, Scope }: typeof import('@sentry/node')) => {
    const client = new NodeClient({
      dsn: cfg.SENTRY_DSN,
      environment: cfg.SENTRY_ENVIRONMENT,
      tracesSampleRate: cfg.SENTRY_TRACES_SAMPLE_RATE,
      integrations: [],
      stackParser: () => [],
      sendClientReports: false,
      transport: (options) => {
        const inner = makeNodeTransport({ ...options, ...sentryEgress(options.url) });
        return {
          ...inner,
          async send(envelope) {
            const id = (envelope[0] as { event_id?: string }).event_id;
            try {
              const res = await inner.send(envelope);
              const now = Date.now();
              if (res.statusCode === undefined) {
                // Held back by the SDK's rate limit: nothing went out.
                if (id) outcomes.set(id, { status: 0, retryAfterMs: Math.max(0, limitedUntil - now) });
                return res;
              }
              const limit = sentryRateLimitMs(res.statusCode, res.headers, now);
              if (limit !== undefined) limitedUntil = Math.max(limitedUntil, now + limit);
              if (id) outcomes.set(id, { status: res.statusCode, retryAfterMs: limit });
              return res;
            } catch (error) {
              if (id) outcomes.set(id, { status: 0 });
              throw error;
            }
          },
        };
      },
    });
    const scope = new Scope();
    scope.setClient(client);
    client.init();
    return { client, scope };
  };
  // Imported only when Sentry is on: the SDK is the alerter's largest dependency (about 40 MiB
  // resident, bench/runtime.ts). A failed import fails each delivery with its message, for a retry.
  const sdk = import('@sentry/node').then(start);
  sdk.catch(() => {});
  return {
    name: 'sentry',
    target: 'sentry',
    async deliver(n) {
      const { client, scope } = await sdk;
      const id = scope.captureEvent(sentryEventFor(n));
      await client.flush(cfg.DELIVERY_TIMEOUT);
      const outcome = outcomes.get(id);
      outcomes.delete(id);
      const status = outcome?.status;
      if (status !== undefined && status >= 200 && status < 300) return;
      const answer = `Sentry did not accept event ${id} (${status ? `HTTP ${status}` : status === 0 && outcome?.retryAfterMs ? 'held back while rate limited' : 'no answer'})`;
      if (outcome?.retryAfterMs)
        throw new RetryLaterError(
          `${answer}; rate limited for ${outcome.retryAfterMs} ms`,
          outcome.retryAfterMs,
        );
      if (status && !retryableStatus(status)) throw permanentFailure(answer);
      throw new Error(answer);
    },
    async close() {
      await (await sdk).client.close(2000);
    },
  };
}
