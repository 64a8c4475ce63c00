import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  anthropicErrorBody,
  anthropicMessage,
  anthropicRequestId,
  anthropicStreamDelta,
  anthropicStreamEnd,
  anthropicStreamError,
  anthropicStreamStart,
} from './anthropic-wire.ts';
import {
  OPENAI_DONE,
  openaiCompletion,
  openaiErrorBody,
  openaiRequestId,
  openaiStreamError,
  openaiStreamFrames,
} from './openai-wire.ts';
import { delay, SSE_HEADERS, sendAsScripted, sendJson } from './replies.ts';
import { DEFAULT_TEXT, type SimStep } from './script.ts';

export type Wire = 'openai' | 'anthropic';

/** One request to answer: which wire format, for which model, streamed or not. */
export interface Exchange {
  wire: Wire;
  model: string;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`: end the stream with a usage chunk. */
  includeUsage: boolean;
  req: IncomingMessage;
  res: ServerResponse;
}

/** Both providers name each response; SDKs expose it as `_request_id` / `requestID`. */
export function requestIdHeader(wire: Wire): Record<string, string> {
  return wire === 'openai' ? { 'x-request-id': openaiRequestId() } : { 'request-id': anthropicRequestId() };
}

export function errorBody(wire: Wire, error: unknown): unknown {
  return wire === 'openai' ? openaiErrorBody(error) : anthropicErrorBody(error);
}

/** A few words per chunk, so a stream has several content deltas. */
function splitText(text: string): string[] {
  const words = text.split(/(?<= )/);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 2) pieces.push(words.slice(i, i + 2).join(''));
  return pieces.length ? pieces : [''];
}

function succeed(x: Exchange, text: string, usage: { inputTokens: number; outputTokens: number }): void {
  const { wire, model, res } = x;
  if (!x.stream) {
    const body =
      wire === 'openai' ? openaiCompletion(model, text, usage) : anthropicMessage(model, text, usage);
    sendJson(res, 200, body, requestIdHeader(wire));
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...requestIdHeader(wire) });
  // One write: the events stay separate SSE events, and the hot path saves a syscall per chunk.
  const frames =
    wire === 'openai'
      ? [...openaiStreamFrames(model, splitText(text), { usage, includeUsage: x.includeUsage }), OPENAI_DONE]
      : [
          ...anthropicStreamStart(model, usage.inputTokens),
          ...splitText(text).map(anthropicStreamDelta),
          ...anthropicStreamEnd(usage.outputTokens),
        ];
  res.end(frames.join(''));
}

function failMidStream(x: Exchange, afterChunks: number, error: unknown): void {
  const { wire, model, res } = x;
  if (!x.stream) {
    sendJson(res, 500, errorBody(wire, error), requestIdHeader(wire));
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...requestIdHeader(wire) });
  const pieces = splitText(DEFAULT_TEXT).slice(0, afterChunks);
  if (wire === 'openai') {
    for (const frame of openaiStreamFrames(model, pieces, null)) res.write(frame);
    res.end(openaiStreamError(error));
  } else {
    for (const frame of anthropicStreamStart(model, 12)) res.write(frame);
    for (const piece of pieces) res.write(anthropicStreamDelta(piece));
    res.end(anthropicStreamError(error));
  }
}

/** Answers one request as the step says. */
export async function answerStep(step: SimStep, x: Exchange): Promise<void> {
  switch (step.kind) {
    case 'hang':
      return;
    case 'reset':
      if (step.afterMs) await delay(step.afterMs);
      // An RST, not a FIN: the client sees ECONNRESET, as when a proxy or load balancer drops it.
      x.req.socket.resetAndDestroy();
      return;
    case 'http':
      if (step.delayMs) await delay(step.delayMs);
      sendAsScripted(x.res, step.status, step.body, step.headers);
      return;
    case 'success': {
      if (step.delayMs) await delay(step.delayMs);
      const text = step.text ?? DEFAULT_TEXT;
      succeed(
        x,
        text,
        step.usage ?? { inputTokens: 12, outputTokens: Math.max(1, Math.ceil(text.length / 4)) },
      );
      return;
    }
    case 'stream-error':
      failMidStream(x, step.afterChunks ?? 1, step.error);
      return;
  }
}
