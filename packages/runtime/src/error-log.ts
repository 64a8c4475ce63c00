import type { Logger } from './logger.ts';

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Logs an emitter's `error` events (a BullMQ Queue or Worker) at most once every 10 s, saying how many
 * were folded in: during a Redis outage BullMQ emits one per retry, and an emitter without a
 * listener prints each to stderr.
 */
export function logErrors(emitter: ErrorEmitter, logger: Logger, what: string, fields: object = {}): void {
  let loggedAt = 0;
  let folded = 0;
  emitter.on('error', (error) => {
    const now = Date.now();
    if (now - loggedAt < 10_000) {
      folded++;
      return;
    }
    logger.error({ err: error, ...fields, ...(folded ? { alsoSince: folded } : {}) }, what);
    loggedAt = now;
    folded = 0;
  });
}
