/**
 * How long the provider asked us to wait, in ms: `retry-after-ms` (OpenAI SDK convention),
 * `retry-after` (seconds or an HTTP date), OpenAI's `x-ratelimit-reset-*` durations ("1s", "6m0s",
 * "20ms"), Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339 time), Google's RetryInfo delay,
 * and, failing all, a "try again in 6.78s" / "retry after 20 seconds" in the text.
 */
export function retryAfterMs(headers: Record<string, string>, text: string, now: number): number | null {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return Math.round(ms);

  const ra = headers['retry-after'];
  if (ra !== undefined) {
    const seconds = Number(ra);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }

  const resets: number[] = [];
  for (const key of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens', 'x-google-retry-delay']) {
    const d = headers[key] !== undefined ? parseDuration(headers[key]!) : null;
    if (d !== null) resets.push(d);
  }
  for (const [key, value] of Object.entries(headers)) {
    if (!/^anthropic-ratelimit-.*-reset$/.test(key)) continue;
    const at = Date.parse(value);
    if (Number.isFinite(at)) resets.push(Math.max(0, at - now));
  }
  if (resets.length) return Math.max(...resets);

  const m =
    /(?:try again|retry|retrying)(?: your request)? (?:in|after) (?:about )?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b/i.exec(
      text,
    );
  if (m) return Math.round(Number(m[1]) * unitMs(m[2]!));
  return null;
}

function unitMs(unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('ms') || u.startsWith('milli')) return 1;
  if (u.startsWith('h')) return 3_600_000;
  if (u.startsWith('m')) return 60_000;
  return 1000;
}

/** "6m0s", "1.5s", "20ms", "1h2m3s", "35s". */
export function parseDuration(value: string): number | null {
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== v) return null;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * unitMs(p[2]!), 0));
}
