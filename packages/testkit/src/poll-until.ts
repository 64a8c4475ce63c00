export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Waits until `check` holds, polling with a deadline (tests never sleep for a fixed time).
 * Throws naming `what` when the deadline passes; an error thrown by `check` ends the wait at once.
 */
export async function pollUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 20 }: PollOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
