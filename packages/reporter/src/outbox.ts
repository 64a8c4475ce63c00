import type { AlertEvent } from '@faultline/core';

/** How many events wait in memory for Redis; beyond it the oldest is dropped (and said so). */
export const BACKLOG_MAX = 1_000;
/** The wait before trying a refused publish again, doubling up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface OutboxOptions {
  /** Publishes one event on the alerts queue (the client's alertPublisher). */
  publish: (event: AlertEvent) => Promise<unknown>;
  /** Told once per outage, never in the app's own call path. */
  warn: (message: string, error?: unknown) => void;
  max?: number;
}

/**
 * Events on their way to the alerts queue, one publish at a time and in order, so a Redis that is
 * away holds one command in ioredis's offline queue and the rest here, bounded. An event keeps its id
 * across tries: one that was added before its answer got lost is not added twice (BullMQ refuses
 * the id). Nothing here ever throws into the caller.
 */
export function outbox(opts: OutboxOptions) {
  const max = opts.max ?? BACKLOG_MAX;
  const queue: AlertEvent[] = [];
  let draining: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = RETRY_FIRST_MS;
  let failing = false;
  let dropped = 0;
  let closed = false;

  async function drain(): Promise<void> {
    while (queue.length && !closed) {
      const event = queue[0]!;
      try {
        await opts.publish(event);
      } catch (error) {
        if (!failing) opts.warn(`could not publish alert event ${event.id}; kept to try again`, error);
        failing = true;
        retryTimer = setTimeout(() => {
          retryTimer = null;
          kick();
        }, retryMs);
        retryTimer.unref();
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        return;
      }
      if (queue[0] === event) queue.shift();
      if (failing)
        opts.warn(`alert events are published again${dropped ? `; ${dropped} were dropped meanwhile` : ''}`);
      failing = false;
      dropped = 0;
      retryMs = RETRY_FIRST_MS;
    }
  }

  function kick(): void {
    if (draining || retryTimer || closed) return;
    draining = drain().finally(() => {
      draining = null;
    });
  }

  return {
    add(event: AlertEvent): void {
      if (closed) return;
      if (queue.length >= max) {
        // The one being published stays: dropping it mid-add could still add it, and drop another too.
        queue.splice(1, 1);
        if (dropped++ === 0)
          opts.warn(`more than ${max} alert events wait for Redis: the oldest are dropped until it is back`);
      }
      queue.push(event);
      kick();
    },
    get size(): number {
      return queue.length;
    },
    /** Waits up to `ms` for every waiting event to be out; the number still waiting. */
    async flush(ms: number): Promise<number> {
      if (retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = null;
      }
      const deadline = Date.now() + ms;
      while (queue.length && Date.now() < deadline) {
        kick();
        const left = deadline - Date.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          draining,
          new Promise((r) => {
            timer = setTimeout(r, Math.min(left, RETRY_FIRST_MS));
          }),
        ]).finally(() => clearTimeout(timer));
        if (retryTimer) {
          clearTimeout(retryTimer);
          retryTimer = null;
        }
      }
      return queue.length;
    },
    close(): void {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
}
export type Outbox = ReturnType<typeof outbox>;
