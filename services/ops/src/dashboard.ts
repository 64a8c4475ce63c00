import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Logger } from '@faultline/runtime';
import type { Queue } from 'bullmq';
import { type RequestHandler, Router } from 'express';
import { redactedJobs } from './job-view.ts';
import { requestIdOf } from './request-errors.ts';

const READS = new Set(['GET', 'HEAD']);

/**
 * bull-board over every queue, mounted at /dashboard behind the caller's guard. Read-only unless
 * `write`: a dashboard that can add jobs, pause alerting or remove the probe schedulers is a way to
 * spend the operator's API keys and silence Faultline (review S3). bull-board's per-queue
 * `readOnlyMode` hides the buttons and refuses its write routes (405); every write route is PUT,
 * POST or PATCH (@bull-board/api routes.js), so refusing those methods here holds even for a route
 * a later bull-board adds. With `write`, each change is logged: who (address), what, which request.
 */
export function dashboardRouter(
  queues: Queue[],
  opts: { write: boolean; showPrompts: boolean; logger: Logger },
): Router {
  const board = new ExpressAdapter();
  board.setBasePath('/dashboard');
  createBullBoard({
    queues: queues.map((q) => redactedJobs(new BullMQAdapter(q, { readOnlyMode: !opts.write }), opts)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Faultline' } },
  });
  // bull-board's own handler answers with the error's message (a Redis error, an internal address):
  // throwing hands the error on to the service's handler (request-errors.ts), which answers generically.
  board.setErrorHandler((error) => {
    throw error;
  });
  const router = Router();
  router.use(opts.write ? auditWrites(opts.logger) : refuseWrites);
  router.use(board.getRouter());
  return router;
}

const refuseWrites: RequestHandler = (req, res, next) => {
  if (READS.has(req.method)) return next();
  res.setHeader('Allow', 'GET, HEAD');
  res.status(405).json({
    error: 'the dashboard is read-only; set OPS_DASHBOARD_WRITE=true to allow changes',
    requestId: requestIdOf(res),
  });
};

const auditWrites =
  (logger: Logger): RequestHandler =>
  (req, res, next) => {
    if (!READS.has(req.method)) {
      const change = { client: req.socket.remoteAddress, method: req.method, path: req.baseUrl + req.path };
      res.once('finish', () =>
        logger.info({ ...change, status: res.statusCode, requestId: requestIdOf(res) }, 'dashboard change'),
      );
    }
    next();
  };
