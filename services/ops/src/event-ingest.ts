import { randomUUID } from 'node:crypto';
import {
  AlertEvent,
  ContractError,
  type OperatorRules,
  parseContract,
  RawProviderError,
  redactedEvent,
  reportedFailureEvent,
} from '@faultline/core';
import {
  AlertEventIdTakenError,
  alertPublisher,
  type Logger,
  loadClassifierRules,
  needsTeaching,
  type UnknownSignatures,
} from '@faultline/runtime';
import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import type { OpsConfig } from './config.ts';
import { requestIdOf } from './request-errors.ts';

/** The largest body POST /api/events reads: a provider's error answer is a few KiB. */
export const EVENTS_BODY_MAX_BYTES = 256 * 1024;
/** Events one request may carry, as a JSON array. */
export const EVENTS_PER_REQUEST_MAX = 100;

export interface EventIngestDeps {
  cfg: OpsConfig;
  /** Who may post (auth.ts, `ingest`): OPS_INGEST_TOKEN or the dashboard credentials. */
  authenticate: RequestHandler;
  logger: Logger;
  alerts: Queue;
  /** FAULTLINE_CLASSIFIER_RULES's rules when unset: a bad rules file stops start-up, as in the workers. */
  classifierRules?: OperatorRules;
  unknowns: UnknownSignatures;
}

type Issue = { path: string; message: string };

/**
 * POST /api/events: producers that call providers themselves (another language, a gateway's hook)
 * hand Faultline either an AlertEvent or the provider's raw error answer, which is classified here
 * as the generation worker classifies its own. Never open: it takes OPS_INGEST_TOKEN (which reads
 * nothing) or the dashboard credentials, and answers 401 while neither is set, even on loopback.
 * A bad body publishes nothing and names every bad field.
 */
export function eventIngest(deps: EventIngestDeps): Router {
  const { cfg, logger } = deps;
  const publisher = alertPublisher(deps.alerts);
  const classifierRules = deps.classifierRules ?? loadClassifierRules(cfg.FAULTLINE_CLASSIFIER_RULES);

  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const type = (error as { type?: string })?.type;
    if (type === 'entity.too.large')
      return res.status(413).json({
        error: `body larger than ${EVENTS_BODY_MAX_BYTES} bytes: send fewer events per request`,
        requestId: requestIdOf(res),
      });
    if (type === 'entity.parse.failed')
      return res.status(400).json({ error: 'body is not JSON', requestId: requestIdOf(res) });
    return next(error);
  };

  const ingest: RequestHandler = async (req, res, next) => {
    const body: unknown = req.body;
    if (body === undefined || body === null || typeof body !== 'object')
      return refuse(res, [
        { path: '(body)', message: 'expected a JSON object or array (Content-Type: application/json)' },
      ]);
    const many = Array.isArray(body);
    const items: unknown[] = many ? body : [body];
    if (many && (items.length === 0 || items.length > EVENTS_PER_REQUEST_MAX))
      return refuse(res, [
        { path: 'events', message: `expected 1 to ${EVENTS_PER_REQUEST_MAX} events, got ${items.length}` },
      ]);
    const issues: Issue[] = [];
    const events: AlertEvent[] = [];
    items.forEach((item, i) => {
      try {
        events.push(eventOf(item));
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        const at = many ? `events[${i}]` : '';
        for (const issue of error.issues) {
          const path = issue.path === '(root)' ? at || '(body)' : at ? `${at}.${issue.path}` : issue.path;
          issues.push({ path, message: issue.message });
        }
      }
    });
    if (issues.length) return refuse(res, issues);
    try {
      for (const event of events) {
        await publisher.publish(event);
        // What the classifier could not place is counted for the operator, as for the worker's own.
        if (needsTeaching(event))
          await deps.unknowns
            .record(event)
            .catch((err) => logger.warn({ err }, 'could not count an unknown error'));
      }
    } catch (error) {
      if (error instanceof AlertEventIdTakenError)
        return res.status(409).json({ error: error.message, requestId: requestIdOf(res) });
      return next(error);
    }
    logger.info({ count: events.length, requestId: requestIdOf(res) }, 'events ingested');
    return res.status(202).json({ accepted: events.length, ids: events.map((e) => e.id) });
  };

  /** An AlertEvent as sent, redacted; or a raw answer (it has `status` and no `category`), classified. */
  function eventOf(item: unknown): AlertEvent {
    const raw = item as Record<string, unknown> | null;
    if (raw && typeof raw === 'object' && 'status' in raw && !('category' in raw)) {
      const answer = parseContract(RawProviderError, 'RawProviderError', raw);
      return reportedFailureEvent(
        { status: answer.status, body: answer.body, headers: answer.headers ?? {} },
        answer,
        {
          id: answer.id ?? `ingest-${randomUUID()}`,
          occurredAt: answer.occurredAt ? new Date(answer.occurredAt) : new Date(),
          rules: classifierRules,
        },
      );
    }
    return redactedEvent(parseContract(AlertEvent, 'AlertEvent', item));
  }

  const router = Router();
  router.post(
    '/api/events',
    deps.authenticate,
    express.json({ limit: EVENTS_BODY_MAX_BYTES, strict: false }),
    bodyErrors,
    ingest,
  );
  return router;
}

function refuse(res: express.Response, issues: Issue[]) {
  return res.status(400).json({
    error: issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    issues,
    requestId: requestIdOf(res),
  });
}
