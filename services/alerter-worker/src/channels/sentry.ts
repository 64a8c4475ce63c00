import type { Notification, Severity } from '@faultline/core';
import { redactDeep } from '@faultline/core';
import { type Event, makeNodeTransport, NodeClient, Scope } from '@sentry/node';
import type { AlerterConfig } from '../config.ts';
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
 * Sends through the real @sentry/node client, with its own client and scope (no global
 * instrumentation). The SDK drops an event whose upload fails and still reports success, so the
 * transport is wrapped to learn each envelope's HTTP status and fail the delivery for a retry.
 */
export function sentryChannel(cfg: AlerterConfig): AlertChannel {
  const outcomes = new Map<string, number>();
  const client = new NodeClient({
    dsn: cfg.SENTRY_DSN,
    environment: cfg.SENTRY_ENVIRONMENT,
    tracesSampleRate: cfg.SENTRY_TRACES_SAMPLE_RATE,
    integrations: [],
    stackParser: () => [],
    sendClientReports: false,
    transport: (options) => {
      const inner = makeNodeTransport(options);
      return {
        ...inner,
        async send(envelope) {
          const id = (envelope[0] as { event_id?: string }).event_id;
          try {
            const res = await inner.send(envelope);
            if (id) outcomes.set(id, res.statusCode ?? 0);
            return res;
          } catch (error) {
            if (id) outcomes.set(id, 0);
            throw error;
          }
        },
      };
    },
  });
  const scope = new Scope();
  scope.setClient(client);
  client.init();
  return {
    name: 'sentry',
    target: 'sentry',
    async deliver(n) {
      const id = scope.captureEvent(sentryEventFor(n));
      await client.flush(cfg.DELIVERY_TIMEOUT);
      const status = outcomes.get(id);
      outcomes.delete(id);
      if (status === undefined || status < 200 || status >= 300) {
        throw new Error(`Sentry did not accept event ${id} (HTTP ${status ?? 'no answer'})`);
      }
    },
    async close() {
      await client.close(2000);
    },
  };
}
