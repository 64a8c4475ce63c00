import type { Logger } from '@faultline/runtime';
import type { RequestHandler, Response } from 'express';
import { hasCredentials, isLoopback, type OpsConfig } from './config.ts';
import { type Accepted, credentialsChecker } from './credentials.ts';
import { FailureLimit } from './failure-limit.ts';
import { isLoopbackHost } from './loopback-host.ts';
import { requestIdOf } from './request-errors.ts';

/**
 * Who may read what. The dashboard, alert JSON and status page need the dashboard credentials
 * (Bearer OPS_TOKEN, or basic auth with OPS_USERNAME/OPS_PASSWORD). The health JSON and /metrics also
 * take OPS_METRICS_TOKEN, which reads nothing else. Without credentials the service listens on
 * loopback only (config.ts) and answers only to a loopback Host; /metrics is open without a metrics
 * token only on a loopback OPS_HOST. Failed sign-ins are limited per client address.
 */
export function opsGuards(
  cfg: OpsConfig,
  logger: Logger,
): Record<'dashboard' | 'healthApi' | 'metrics' | 'ingest' | 'loopbackOnly', RequestHandler> {
  const failures = new FailureLimit(cfg.OPS_AUTH_FAILURES_PER_MINUTE);
  const basic =
    cfg.OPS_USERNAME && cfg.OPS_PASSWORD
      ? { username: cfg.OPS_USERNAME, password: cfg.OPS_PASSWORD }
      : undefined;
  const dashboard: Accepted = { tokens: cfg.OPS_TOKEN ? [cfg.OPS_TOKEN] : [], basic };
  const monitoring: Accepted = {
    ...dashboard,
    tokens: [...dashboard.tokens, ...(cfg.OPS_METRICS_TOKEN ? [cfg.OPS_METRICS_TOKEN] : [])],
  };
  // POST /api/events: OPS_INGEST_TOKEN, which reads nothing, or the dashboard credentials.
  const ingest: Accepted = {
    ...dashboard,
    tokens: [...(cfg.OPS_INGEST_TOKEN ? [cfg.OPS_INGEST_TOKEN] : []), ...dashboard.tokens],
  };
  const open = !hasCredentials(cfg);
  const guard = (anonymous: boolean, accepted: Accepted): RequestHandler => {
    const check = credentialsChecker(accepted);
    return (req, res, next) => {
      if (anonymous) {
        if (isLoopbackHost(req.headers.host)) return next();
        return refuseHost(res);
      }
      const client = req.socket.remoteAddress ?? 'unknown';
      const waitMs = failures.waitMs(client);
      if (waitMs > 0) {
        res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
        return res.status(429).json({ error: 'too many failed sign-ins from this address; try again later' });
      }
      const verdict = check(req.headers.authorization);
      if (verdict === 'ok') return next();
      if (verdict === 'wrong') {
        failures.fail(client);
        logger.warn(
          { client, method: req.method, path: req.path, requestId: requestIdOf(res) },
          'ops sign-in failed',
        );
      }
      res.setHeader(
        'WWW-Authenticate',
        accepted.basic ? 'Basic realm="faultline"' : 'Bearer realm="faultline"',
      );
      res.status(401).json({
        error: `credentials required: ${accepted.basic ? 'basic auth or ' : ''}Authorization: Bearer <token>`,
      });
    };
  };
  return {
    /** The dashboard, alert groups, incidents and the status page. */
    dashboard: guard(open, dashboard),
    /** The health JSON: the dashboard credentials or the metrics token. */
    healthApi: guard(open && !cfg.OPS_METRICS_TOKEN, monitoring),
    /** /metrics: as the health JSON, but open on a loopback OPS_HOST while no metrics token is set. */
    metrics: guard(!cfg.OPS_METRICS_TOKEN && isLoopback(cfg.OPS_HOST), monitoring),
    /** Events posted by producers: never open, even on loopback; 401 saying so while nothing is set. */
    ingest:
      ingest.tokens.length || ingest.basic
        ? guard(false, ingest)
        : (_req, res) =>
            res.status(401).json({
              error: 'POST /api/events is closed: set OPS_INGEST_TOKEN and send Authorization: Bearer <it>',
              requestId: requestIdOf(res),
            }),
    /** Without credentials every answer, /health included, goes only to a loopback Host. */
    loopbackOnly: ((req, res, next) =>
      !open || isLoopbackHost(req.headers.host) ? next() : refuseHost(res)) as RequestHandler,
  };
}

const refuseHost = (res: Response) =>
  res.status(403).json({
    error:
      'Host not allowed: without credentials the ops service answers only to 127.0.0.1, localhost or [::1]',
  });
