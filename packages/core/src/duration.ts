/** Milliseconds in each unit a duration is written in. */
export const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;

export const HOUR_MS = UNIT_MS.h;

const BARE = /^\d+(?:\.\d+)?$/;
// `ms` before `m`, so that "20ms" is not read as 20 minutes and a stray "s".
const PART = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)/g;

/**
 * A duration in ms, or null when `text` is not one: "250ms", "10s", "5m", "1h", or parts in a row as
 * OpenAI's reset headers write them ("6m0s", "1h2m3s"). A bare number is in `bareUnit`: settings
 * (env, models file) count it in ms, Retry-After style headers in seconds.
 */
export function parseDuration(text: string, bareUnit: DurationUnit): number | null {
  const v = text.trim();
  if (BARE.test(v)) return Math.round(Number(v) * UNIT_MS[bareUnit]);
  let total = 0;
  let consumed = 0;
  for (const p of v.matchAll(PART)) {
    if (p.index !== consumed) return null;
    consumed += p[0].length;
    total += Number(p[1]) * UNIT_MS[p[2] as DurationUnit];
  }
  return consumed > 0 && consumed === v.length ? Math.round(total) : null;
}
