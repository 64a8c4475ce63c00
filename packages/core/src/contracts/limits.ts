/**
 * How large a job or an event may be. Everything a producer sends is copied: into Redis (kept for
 * days when it fails), bull-board, alert groups, every delivery and mail. Unbounded, one 50 MB prompt
 * or a 1 MB external event is copied everywhere (review B1); bounds from OWASP's input validation
 * advice and the sizes the review proposes.
 */
export const CONTRACT_LIMITS = {
  /** PROMPT_MAX_BYTES's default: the UTF-8 bytes of all of a job's message contents together. */
  promptBytes: 1_048_576,
  messages: 1_000,
  provider: 64,
  model: 256,
  runId: 200,
  metadataKeys: 50,
  metadataKey: 128,
  metadataValue: 1_024,
  /** AlertEvent: ids and short names (operation, reason, codes, error names, gateway). */
  eventId: 512,
  name: 128,
  requestId: 256,
  message: 4_096,
  actions: 20,
  action: 512,
  contextKeys: 50,
  contextValue: 4_096,
} as const;

/** `text` cut to `max` characters, an ellipsis marking the cut: how our own producers stay within bounds. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The UTF-8 size of a job's prompt: what a provider is sent and what Redis keeps. */
export function promptBytes(messages: readonly { content: unknown }[]): number {
  let total = 0;
  for (const m of messages) if (typeof m?.content === 'string') total += Buffer.byteLength(m.content, 'utf8');
  return total;
}
