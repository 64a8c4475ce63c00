import {
  type AlertEvent,
  alertEventFrom,
  type ClassifiedError,
  CONTRACT_LIMITS,
  ContractError,
  cappedRetryAfter,
  classifyError,
  classifyWithOperatorRules,
  clip,
  type GenerationJob,
  type GenerationResult,
  generationJobSchema,
  type OperatorRules,
  parseContract,
  redactSecrets,
  TAXONOMY,
} from '@faultline/core';
import { type ProviderRegistry, UnknownProviderError } from '@faultline/providers';
import {
  type AlertPublisher,
  type Logger,
  METRICS,
  type MetricsCounters,
  needsTeaching,
  type UnknownSignatures,
} from '@faultline/runtime';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';

import type { BreakerGate, OpenBreaker } from './breaker-gate.ts';
import { generationEventId } from './event-id.ts';
import {
  droppedJobData,
  INVALID_JOB_KEPT_BYTES,
  INVALID_PROVIDER,
  jsonBytesUpTo,
  runIdOf,
} from './invalid-job.ts';
import type { ProviderPause } from './provider-pause.ts';
import type { RunMetrics } from './run-metrics.ts';

export interface ProcessorDeps {
  providers: ProviderRegistry;
  alerts: AlertPublisher;
  metrics: RunMetrics;
  pauses: ProviderPause;
  breakers: BreakerGate;
  counters: MetricsCounters;
  logger: Logger;
  rateLimitPauseMs: number;
  /** RETRY_AFTER_MAX: the longest a provider's retry-after may hold a job or pause the provider. */
  retryAfterMaxMs: number;
  /** PROMPT_MAX_BYTES: a job whose message contents are larger fails as invalid_request. */
  promptMaxBytes: number;
  /** The operator's rules (FAULTLINE_CLASSIFIER_RULES), tried before the built-in ones. */
  classifierRules: OperatorRules;
  /** Where errors the classifier could not place are counted, for the operator to teach it. */
  unknowns: UnknownSignatures;
}

/** Thrown for a retryable failure; the worker's backoff strategy reads `retryAfterMs`. */
export class RetryableGenerationError extends Error {
  override readonly name = 'RetryableGenerationError';
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * A failure the processor classified, published and counted, that no retry can help: the worker's
 * 'failed' handler publishes nothing more for it.
 */
export class ClassifiedFailureError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    // The name BullMQ also knows an unrecoverable error by (not only by its class).
    this.name = 'UnrecoverableError';
  }
}

/** Whether a failed attempt's event is already out (else the 'failed' handler publishes one). */
export const publishedByProcessor = (error: unknown): boolean =>
  error instanceof ClassifiedFailureError || error instanceof RetryableGenerationError;

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);

/** A payload that is not a GenerationJob is a bad request by its producer: no provider was called. */
function invalidJob(
  error: ContractError,
  data: Record<string, unknown>,
  configured: (provider: string) => boolean,
): ClassifiedError {
  const named = str(data?.provider, '');
  // Not whatever the producer wrote: that would be a metric label and an alert group of its own (G3).
  const provider = named && configured(named) ? named : INVALID_PROVIDER;
  return {
    ...classifyError(error, { provider, model: clip(str(data?.model, ''), CONTRACT_LIMITS.model) || null }),
    category: 'invalid_request',
    severity: TAXONOMY.invalid_request.severity,
    isRetryable: false,
    reason: 'invalid_job_payload',
    originalError: error.name,
    // The message quotes what the producer sent (a field name, the provider): a key pasted there must
    // not leak. A thousand bad messages name a thousand fields: cut, it still names the first ones.
    message: clip(redactSecrets(error.message), CONTRACT_LIMITS.message),
    recommendedActions: [
      'Fix the producer: the job does not match the GenerationJob schema (faultline schema generation-job)',
      ...TAXONOMY.invalid_request.actions(provider),
    ],
  };
}

/** The reason of a job refused by an open breaker; its category is the cause that opened it. */
export const CIRCUIT_OPEN = 'circuit_open';

/**
 * A job refused by an open health-probe breaker fails as what opened it (out of credit: billing_quota,
 * CRITICAL), so producers, the run summary and `faultline generate`'s exit code see the cause.
 * Never retried, whatever the category: the call was not made, and the breaker stays open for its
 * cooldown (a minute by default), longer than a job's retries wait, so each retry would be refused
 * again, spending its attempts and publishing one more event each.
 */
function circuitOpen(
  provider: string,
  model: string,
  gateway: string | null,
  open: OpenBreaker,
): ClassifiedError {
  const spec = TAXONOMY[open.category];
  return {
    category: open.category,
    severity: spec.severity,
    isRetryable: false,
    provider,
    model,
    gateway,
    statusCode: open.statusCode,
    providerCode: open.providerCode,
    reason: CIRCUIT_OPEN,
    retryAfterMs: null,
    requestId: null,
    originalError: 'CircuitOpen',
    message: `circuit breaker open for ${provider}/${model} after ${open.cause}; the call was not made`,
    recommendedActions: [
      ...spec.actions(provider),
      'Jobs for the model fail at once until the health probes see it recover: `pnpm faultline health`',
    ],
  };
}

export function generationProcessor(deps: ProcessorDeps) {
  const { providers, alerts, metrics, pauses, breakers, logger } = deps;
  const GenerationJob = generationJobSchema({ promptMaxBytes: deps.promptMaxBytes });
  const configured = (name: string) => providers.specs.some((s) => s.name === name);

  /** Fails an invalid job as invalid_request, first dropping its contents when they are too big to keep. */
  async function refuse(job: Job, error: ContractError, raw: Record<string, unknown>): Promise<never> {
    if (jsonBytesUpTo(raw, INVALID_JOB_KEPT_BYTES) > INVALID_JOB_KEPT_BYTES)
      await job.updateData(droppedJobData(raw, deps.promptMaxBytes));
    return fail(job, invalidJob(error, raw, configured), runIdOf(raw));
  }

  async function fail(job: Job, classified: ClassifiedError, runId: string | undefined): Promise<never> {
    const attempt = job.attemptsMade + 1;
    const final = !classified.isRetryable || attempt >= (job.opts.attempts ?? 1);
    const event: AlertEvent = alertEventFrom(classified, {
      // One event per attempt: the id makes a replayed attempt (worker died after publishing) add nothing.
      id: generationEventId(job, attempt),
      source: 'generation',
      operation: 'chat.completion',
      occurredAt: new Date(),
    });
    // The event says what the provider asked for; what we wait is at most RETRY_AFTER_MAX.
    const retryAfterMs = cappedRetryAfter(classified.retryAfterMs, deps.retryAfterMaxMs);
    await Promise.all([
      // An event under this id from before the job existed is another job's that had its id: an error.
      alerts.publish(event, { notBefore: job.timestamp }),
      // A refusal by an open breaker called no one: only a provider's own rate limit pauses it.
      classified.category === 'rate_limit' && classified.reason !== CIRCUIT_OPEN
        ? pauses.pause(classified.provider, retryAfterMs ?? deps.rateLimitPauseMs)
        : null,
    ]);
    // Counted only once its event is out, so the summary's classified errors are the published events;
    // an attempt whose publish threw is left to the worker's 'failed' handler (counted as unknown).
    if (runId)
      await metrics.record(runId, `${job.id}:${attempt}`, {
        kind: 'failed',
        category: classified.category,
        severity: classified.severity,
        final,
      });
    deps.counters.incr(METRICS.classifiedErrors, {
      category: classified.category,
      severity: classified.severity,
      provider: classified.provider,
    });
    logger.warn(
      { jobId: job.id, attempt, category: classified.category, reason: classified.reason, final },
      classified.message,
    );
    if (!classified.isRetryable)
      throw new ClassifiedFailureError(`${classified.category}: ${classified.message}`);
    throw new RetryableGenerationError(`${classified.category}: ${classified.message}`, retryAfterMs);
  }

  return async function processGeneration(job: Job, token?: string): Promise<GenerationResult> {
    const raw = job.data as Record<string, unknown>;
    let data: GenerationJob;
    try {
      data = parseContract(GenerationJob, 'GenerationJob', raw);
    } catch (error) {
      if (error instanceof ContractError) return refuse(job, error, raw);
      throw error;
    }

    let gateway: string | null = null;
    try {
      gateway = providers.spec(data.provider).gateway;
    } catch (error) {
      if (!(error instanceof UnknownProviderError)) throw error;
      return fail(
        job,
        {
          ...invalidJob(
            new ContractError('GenerationJob', [{ path: 'provider', message: error.message }]),
            raw,
            configured,
          ),
          reason: 'unknown_provider',
        },
        data.runId,
      );
    }

    // A provider that rate-limited us is left alone: the job waits without spending an attempt.
    const pausedMs = await pauses.remainingMs(data.provider);
    if (pausedMs > 0 && token) {
      await job.moveToDelayed(Date.now() + pausedMs + Math.round(Math.random() * 250), token);
      throw new DelayedError();
    }

    // The health probes found this model down: fail at once, as what opened it, instead of calling it.
    const open = await breakers.openBreaker(data.provider, data.model);
    if (open) return fail(job, circuitOpen(data.provider, data.model, gateway, open), data.runId);

    const started = performance.now();
    try {
      const completion = await providers.client(data.provider).complete(data);
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      breakers.record(data.provider, data.model, { ok: true, latencyMs, at: Date.now() });
      if (data.runId) await metrics.record(data.runId, `${job.id}:done`, { kind: 'succeeded', latencyMs });
      return { ...completion, latencyMs, provider: data.provider, model: data.model };
    } catch (error) {
      const ctx = { provider: data.provider, model: data.model, gateway };
      const classified = classifyWithOperatorRules(error, ctx, deps.classifierRules);
      // Counting what to teach must never fail the attempt it counts.
      if (needsTeaching(classified))
        await deps.unknowns
          .record(classified)
          .catch((err) => logger.warn({ err, jobId: job.id }, 'could not count an unknown error'));
      breakers.record(data.provider, data.model, {
        ok: false,
        latencyMs: performance.now() - started,
        at: Date.now(),
        category: classified.category,
        reason: classified.reason,
        statusCode: classified.statusCode,
        message: classified.message,
      });
      return fail(job, classified, data.runId);
    }
  };
}
