/** Anthropic messages wire format, as `@anthropic-ai/sdk` (core/streaming.ts, lib/MessageStream.ts) parses it. */
import type { Usage } from './openai-wire.ts';

let seq = 0;
const id = (prefix: string) => `${prefix}_sim${Date.now().toString(36)}${(seq++).toString(36)}`;

export const anthropicRequestId = () => id('req');

export function anthropicMessage(model: string, text: string, usage: Usage) {
  return {
    id: id('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

export function anthropicStreamStart(model: string, inputTokens: number): string[] {
  return [
    event('message_start', {
      type: 'message_start',
      message: {
        id: id('msg'),
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    }),
    event('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
  ];
}

export function anthropicStreamDelta(text: string): string {
  return event('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text },
  });
}

export function anthropicStreamEnd(outputTokens: number): string[] {
  return [
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }),
    event('message_stop', { type: 'message_stop' }),
  ];
}

/** `{ type: 'error', error: {...} }` whether given the inner error or the whole body. */
export function anthropicErrorBody(error: unknown): unknown {
  const whole = error !== null && typeof error === 'object' && (error as { type?: unknown }).type === 'error';
  return whole ? error : { type: 'error', error };
}

/** Anthropic reports a mid-stream failure (e.g. overloaded_error) as an `error` event. */
export function anthropicStreamError(error: unknown): string {
  return event('error', anthropicErrorBody(error));
}

export const anthropicMissingKey = {
  type: 'error',
  error: { type: 'authentication_error', message: 'x-api-key header is required' },
};

export function anthropicModel(model: string) {
  return { type: 'model', id: model, display_name: model, created_at: '2025-01-01T00:00:00Z' };
}

export function anthropicModelList(models: string[]) {
  return {
    data: models.map(anthropicModel),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models.at(-1) ?? null,
  };
}
