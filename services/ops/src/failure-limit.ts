/** Failed sign-ins of one client address in the current window. */
export interface FailureWindow {
  startedAt: number;
  failures: number;
}

export const FAILURE_WINDOW_MS = 60_000;

/** How long an address must wait before it may try again: 0 while under the limit. */
export function waitBeforeTrying(w: FailureWindow | undefined, now: number, limit: number): number {
  if (!w || now - w.startedAt >= FAILURE_WINDOW_MS || w.failures < limit) return 0;
  return w.startedAt + FAILURE_WINDOW_MS - now;
}

/** The window after one more failure: a new one when the last has ended. */
export function afterFailure(w: FailureWindow | undefined, now: number): FailureWindow {
  if (!w || now - w.startedAt >= FAILURE_WINDOW_MS) return { startedAt: now, failures: 1 };
  return { startedAt: w.startedAt, failures: w.failures + 1 };
}

/**
 * Failures per client address, in memory (ops runs one replica), bounded: past `maxAddresses` the
 * address that failed longest ago is forgotten, so a flood of addresses costs no more than a fixed map.
 */
export class FailureLimit {
  readonly #windows = new Map<string, FailureWindow>();
  constructor(
    readonly limit: number,
    readonly maxAddresses = 10_000,
  ) {}

  waitMs(address: string, now = Date.now()): number {
    return waitBeforeTrying(this.#windows.get(address), now, this.limit);
  }

  fail(address: string, now = Date.now()): void {
    const next = afterFailure(this.#windows.get(address), now);
    this.#windows.delete(address);
    // Insertion order is the order of the last failure: the first key is the stalest.
    if (this.#windows.size >= this.maxAddresses) this.#windows.delete(this.#windows.keys().next().value!);
    this.#windows.set(address, next);
  }

  get size(): number {
    return this.#windows.size;
  }
}
