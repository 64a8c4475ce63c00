import { randomUUID } from 'node:crypto';
import {
  ALERT_EVENTS_KEPT_DEFAULT,
  alertPublisher,
  DEFAULT_MODEL_HEALTH_TTL_MS,
  modelHealthStore,
  QUEUES,
  redisKeys,
} from '@faultline/client';
import { type AlertEvent, DEFAULT_BREAKER_WINDOW, reportedFailureEvent } from '@faultline/core';
import { Queue } from 'bullmq';
import { reporterRules } from './classifier-rules.ts';
import { type CallInfo, watchClient } from './instrument.ts';
import { BACKLOG_MAX, outbox } from './outbox.ts';
import { type RedisSetting, reporterRedis } from './redis-connection.ts';
import { trafficRecorder } from './traffic.ts';

export interface ReporterOptions extends RedisSetting {
  /** Told of reporting trouble (Redis away, events dropped), once per outage; console.warn when unset. */
  onError?: (error: Error) => void;
  /** Operator rules: what core's parseOperatorRules returns, or the rules document (`{ rules: [...] }`). */
  classifierRules?: unknown;
  /** Events kept in memory while Redis is away (default 1,000); beyond it the oldest are dropped. */
  backlogMax?: number;
  /** MODEL_HEALTH_TTL: how long traffic alone keeps a model's health (default a week). */
  modelHealthTtlMs?: number;
  /** BREAKER_WINDOW, as the health probes trim it (default 20). */
  breakerWindow?: number;
  /** ALERT_EVENTS_KEPT: completed alert events kept for their ids (default 100,000). */
  alertEventsKept?: number;
  env?: NodeJS.ProcessEnv;
}

export interface InstrumentOptions {
  /** The provider's name as Faultline's alerts and health show it: `openai`, `anthropic`, `azure`, … */
  provider: string;
  /** The model to report under; the request's own `model` when unset. */
  model?: string;
  /** The gateway the client goes through (`openrouter`, `litellm`), if any. */
  gateway?: string;
}

export interface ReportOptions {
  provider: string;
  model?: string | null;
  gateway?: string | null;
  operation?: string;
}

/** An id of its own per failure, kept across publish tries: a re-added event is refused by BullMQ. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

const eventId = () => `report-${randomUUID()}`;

/**
 * A reporter: `instrument(client)` watches an SDK client's calls, `report(error)` takes an error the
 * app caught itself. Each failure is classified where it happened and published on the alerts queue
 * as the generation worker publishes its own; the app's call is never delayed or changed.
 */
export function createReporter(opts: ReporterOptions = {}) {
  const env = opts.env ?? process.env;
  const rules = reporterRules(opts.classifierRules, env);
  const warn = (message: string, cause?: unknown) => {
    const error = new Error(
      `faultline reporter: ${message}${cause instanceof Error ? ` (${cause.message})` : ''}`,
      { cause },
    );
    try {
      if (opts.onError) opts.onError(error);
      else console.warn(error.message);
    } catch {
      // An app's onError that throws must not reach its own call.
    }
  };
  const { redis, owned, prefix } = reporterRedis(opts, warn, env);
  const alerts = new Queue(QUEUES.alerts, { connection: redis, prefix });
  alerts.on('error', () => {});
  const publisher = alertPublisher(alerts, {
    keptCompleted: opts.alertEventsKept ?? ALERT_EVENTS_KEPT_DEFAULT,
  });
  const pending = outbox({
    // An id is random per failure: an event already stored under it is this one, added before its answer was lost.
    publish: (event) => publisher.publish(event, { notBefore: Date.parse(event.occurredAt) }),
    warn,
    max: opts.backlogMax ?? BACKLOG_MAX,
  });
  const traffic = trafficRecorder(
    modelHealthStore(redis, redisKeys(prefix), {
      ttlMs: opts.modelHealthTtlMs ?? DEFAULT_MODEL_HEALTH_TTL_MS,
    }),
    opts.breakerWindow ?? DEFAULT_BREAKER_WINDOW,
  );

  function publish(error: unknown, call: ReportOptions, at: Date): AlertEvent {
    const event = reportedFailureEvent(error, call, { id: eventId(), occurredAt: at, rules });
    pending.add(event);
    return event;
  }

  function report(error: unknown, call: ReportOptions): AlertEvent | null {
    try {
      // A call site that forgot the provider still alerts, under `unknown`, rather than not at all.
      return publish(error, { ...call, provider: call?.provider || 'unknown' }, new Date());
    } catch (failure) {
      warn('could not report an error', failure);
      return null;
    }
  }

  function instrument<T extends object>(client: T, options: InstrumentOptions): T {
    if (!options?.provider)
      throw new Error('instrument(client, { provider }): name the provider, e.g. openai');
    const modelOf = (call: CallInfo) => options.model ?? call.model;
    return watchClient(client, {
      succeeded(call) {
        const model = modelOf(call);
        if (model)
          traffic.record(options.provider, model, {
            ok: true,
            latencyMs: performance.now() - call.startedAt,
            at: Date.now(),
          });
      },
      failed(call, error) {
        const model = modelOf(call);
        const ctx = { provider: options.provider, model, gateway: options.gateway ?? null };
        const event = publish(error, { ...ctx, operation: call.operation }, new Date());
        if (model)
          traffic.record(options.provider, model, {
            ok: false,
            latencyMs: performance.now() - call.startedAt,
            at: Date.now(),
            category: event.category,
            reason: event.reason,
            statusCode: event.statusCode,
            message: event.message,
          });
      },
    });
  }

  /** Waits up to `timeoutMs` for waiting events and health to be written; the number of events still waiting. */
  async function flush(timeoutMs = 5_000): Promise<number> {
    const [left] = await Promise.all([pending.flush(timeoutMs), traffic.flush(timeoutMs)]);
    return left;
  }

  /** Flushes (up to `timeoutMs`), then closes what the reporter opened; an app's own connection stays open. */
  async function close(timeoutMs = 5_000): Promise<void> {
    const left = await flush(timeoutMs);
    if (left) warn(`${left} alert events were not published before close: Redis is away`);
    pending.close();
    traffic.close();
    // Queue.close waits for Redis; a Redis that is away must not hold the app's shutdown.
    await Promise.race([alerts.close().catch(() => {}), sleep(Math.min(timeoutMs, 1_000))]);
    if (owned) redis.disconnect();
  }

  return {
    instrument,
    report,
    flush,
    close,
    /** Events waiting for Redis. */
    get backlog(): number {
      return pending.size;
    },
  };
}
export type Reporter = ReturnType<typeof createReporter>;
