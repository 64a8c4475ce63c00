import { CONTRACT_LIMITS, clip, promptBytes } from '@faultline/core';

/**
 * The provider an invalid job is alerted and counted under when it names none that is configured:
 * a typo or a random string would otherwise become a metric label and an alert group (review G3).
 */
export const INVALID_PROVIDER = 'invalid';

/** An invalid job bigger than this stays in the failed set as a summary, without its contents. */
export const INVALID_JOB_KEPT_BYTES = 65_536;

/**
 * About how many bytes `value` takes as JSON, counting no further than `limit`: an invalid job's size
 * is needed only to know whether it is too big to keep, and serialising 20 MB to learn that costs
 * seconds (and its lock) on a busy worker.
 */
export function jsonBytesUpTo(value: unknown, limit: number): number {
  let total = 0;
  const walk = (v: unknown): void => {
    if (total > limit) return;
    if (typeof v === 'string') total += Buffer.byteLength(v, 'utf8') + 2;
    else if (Array.isArray(v)) for (const item of v) walk(item);
    else if (v && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        total += k.length + 4;
        walk(item);
      }
    else total += 8;
  };
  walk(value);
  return total;
}

/** The run an invalid job names, when that can be a run id (not a 20 MB string). */
export function runIdOf(raw: Record<string, unknown> | undefined): string | undefined {
  const runId = raw?.runId;
  return typeof runId === 'string' && runId && runId.length <= CONTRACT_LIMITS.runId ? runId : undefined;
}

/**
 * What an invalid job too big to keep leaves in the failed set: what names it, and what was dropped
 * and why. Kept whole, a 20 MB prompt would sit in Redis for the failed set's week, in every replica's
 * memory and in bull-board.
 */
export function droppedJobData(raw: Record<string, unknown>, promptMaxBytes: number) {
  const messages = Array.isArray(raw?.messages) ? (raw.messages as { content: unknown }[]) : [];
  const name = (v: unknown, max: number) => (typeof v === 'string' ? clip(v, max) : null);
  const runId = runIdOf(raw);
  return {
    provider: name(raw?.provider, CONTRACT_LIMITS.provider),
    model: name(raw?.model, CONTRACT_LIMITS.model),
    ...(runId ? { runId } : {}),
    dropped:
      `the job was over ${INVALID_JOB_KEPT_BYTES} bytes, its messages ${promptBytes(messages)} bytes ` +
      `(PROMPT_MAX_BYTES is ${promptMaxBytes}), and invalid: Faultline kept this summary in its place`,
  };
}
