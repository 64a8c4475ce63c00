import { parseDuration, UNIT_MS } from '../duration.ts';

/**
 * How long the provider asked us to wait, in ms: `retry-after-ms` (OpenAI SDK convention),
 * `retry-after` (seconds or an HTTP date), OpenAI's `x-ratelimit-reset-*` durations ("1s", "6m0s",
 * "20ms"), Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339 time), Google's RetryInfo delay,
 * and, failing all, a "try again in 6.78s" / "retry after 20 seconds" in the text.
 */
export function retryAfterMs(headers: Record<string, string>, text: string, now: number): number | null {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0)
    return Math.round(Number(ms));

  const ra = headers['retry-after'];
  if (ra !== undefined && ra.trim() !== '') {
    const seconds = Number(ra);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }

  let longest: number | null = null;
  for (const key of RESET_DURATION_HEADERS) {
    const d = headers[key] !== undefined ? resetDuration(headers[key]!) : null;
    if (d !== null) longest = Math.max(longest ?? 0, d);
  }
  for (const key of ANTHROPIC_RESET_HEADERS) {
    const value = headers[key];
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (Number.isFinite(at)) longest = Math.max(longest ?? 0, at - now, 0);
  }
  if (longest !== null) return longest;
  return retryAfterInText(text);
}

const RESET_DURATION_HEADERS = [
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'x-google-retry-delay',
];
// https://docs.claude.com/en/api/rate-limits#response-headers
const ANTHROPIC_RESET_HEADERS = [
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-output-tokens-reset',
];

// "Please try again in 9m38.016s" (Groq, OpenAI), "Please retry in 32.5s" (Gemini),
// "retry after 86400 seconds" (Azure), "Try again in 60 seconds" (LiteLLM router).
const COMPACT_IN_TEXT =
  /(?:try again|retry|retrying)(?: your request)? (?:in|after) (?:about )?((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)\b/;
const WORDS_IN_TEXT =
  /(?:try again|retry|retrying)(?: your request)? (?:in|after) (?:about )?(\d+(?:\.\d+)?)\s*(milliseconds?|seconds?|secs?|minutes?|mins?|hours?)\b/;

function retryAfterInText(text: string): number | null {
  if (!text.includes('retry') && !text.includes('try again')) return null;
  const compact = COMPACT_IN_TEXT.exec(text);
  if (compact) return parseDuration(compact[1]!, 's');
  const words = WORDS_IN_TEXT.exec(text);
  return words ? Math.round(Number(words[1]) * wordUnitMs(words[2]!)) : null;
}

function wordUnitMs(word: string): number {
  if (word.startsWith('milli')) return UNIT_MS.ms;
  if (word.startsWith('h')) return UNIT_MS.h;
  if (word.startsWith('m')) return UNIT_MS.m;
  return UNIT_MS.s;
}

/** OpenAI's reset durations: "6m0s", "1.5s", "20ms", "1h2m3s"; a bare number is seconds. */
function resetDuration(value: string): number | null {
  return parseDuration(value.toLowerCase(), 's');
}
