import { randomUUID } from 'node:crypto';
import type { Logger } from '@faultline/runtime';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

/**
 * What goes wrong inside (a Redis error, an exception) stays inside: the client gets a status, a
 * generic message and a request id; the log gets the detail under the same id (the logger redacts
 * secrets). OWASP Error Handling Cheat Sheet: an error text can carry internal addresses or data.
 */

export const requestIdOf = (res: Response): string => res.locals.requestId as string;

/** A fresh id per request, in `X-Request-Id` and in every error body. */
export const assignRequestId: RequestHandler = (_req, res, next) => {
  res.locals.requestId = randomUUID();
  res.setHeader('X-Request-Id', res.locals.requestId);
  next();
};

/**
 * An answer that takes longer than `ms` gets 503. The ops connection waits for Redis to come back
 * rather than failing a command (createRedis, `maxRetriesPerRequest: null`), so without this a
 * request made while Redis is away would hang until it returns.
 */
export function answerWithin(ms: number, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn(
        { requestId: requestIdOf(res), method: req.method, path: req.path, afterMs: ms },
        'ops request timed out (is Redis reachable?)',
      );
      res.status(503).json({ error: 'service unavailable, try again later', requestId: requestIdOf(res) });
    }, ms);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not found', requestId: requestIdOf(res) });
};

/** The last handler: a client error keeps its status (e.g. a malformed JSON body), the rest is 500. */
export function answerErrors(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = requestIdOf(res);
    const status = clientErrorStatus(error);
    // A handler that finished after answerWithin answered: the client has its 503 already.
    if (res.headersSent) {
      logger.warn({ err: error, requestId, method: req.method, path: req.path }, 'ops request failed late');
      return;
    }
    if (status) {
      logger.info(
        { err: error, requestId, method: req.method, path: req.path, status },
        'ops request refused',
      );
      res.status(status).json({ error: 'bad request', requestId });
      return;
    }
    logger.error({ err: error, requestId, method: req.method, path: req.path }, 'ops request failed');
    res.status(500).json({ error: 'internal error', requestId });
  };
}

const clientErrorStatus = (error: unknown): number | null => {
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = Number(e?.status ?? e?.statusCode);
  return e?.expose === true && status >= 400 && status < 500 ? status : null;
};
