/** OpenAI chat-completions wire format, as the `openai` SDK (core/streaming.ts) parses it. */
let seq = 0;
const id = (prefix: string) => `${prefix}-sim${Date.now().toString(36)}${(seq++).toString(36)}`;
const now = () => Math.floor(Date.now() / 1000);

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export const openaiRequestId = () => id('req');

function openaiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function openaiCompletion(model: string, text: string, usage: Usage) {
  return {
    id: id('chatcmpl'),
    object: 'chat.completion',
    created: now(),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: openaiUsage(usage),
  };
}

/**
 * SSE frames of a streamed completion: the role, content pieces, the finish and, when the request
 * asked with `stream_options.include_usage`, a usage chunk with no choices (as OpenAI sends it).
 * `[DONE]` is not included (see OPENAI_DONE).
 */
export function openaiStreamFrames(
  model: string,
  pieces: string[],
  ending: { usage: Usage; includeUsage: boolean } | null,
): string[] {
  const base = { id: id('chatcmpl'), object: 'chat.completion.chunk', created: now(), model };
  const frame = (chunk: Record<string, unknown>) => `data: ${JSON.stringify({ ...base, ...chunk })}\n\n`;
  const choice = (delta: Record<string, unknown>, finish: string | null) =>
    frame({ choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const frames = [
    choice({ role: 'assistant', content: '' }, null),
    ...pieces.map((p) => choice({ content: p }, null)),
  ];
  if (!ending) return frames;
  frames.push(choice({}, 'stop'));
  if (ending.includeUsage) frames.push(frame({ choices: [], usage: openaiUsage(ending.usage) }));
  return frames;
}

export const OPENAI_DONE = 'data: [DONE]\n\n';

/** `{ error: {...} }` whether given the inner error or the whole body. */
export function openaiErrorBody(error: unknown): unknown {
  return error !== null && typeof error === 'object' && 'error' in error ? error : { error };
}

/** OpenAI and gateways such as OpenRouter send a mid-stream failure as a data line carrying `error`. */
export function openaiStreamError(error: unknown): string {
  return `data: ${JSON.stringify(openaiErrorBody(error))}\n\n`;
}

export const openaiMissingKey = {
  error: {
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    type: 'invalid_request_error',
    param: null,
    code: null,
  },
};

export function openaiModel(model: string) {
  return { id: model, object: 'model', created: 1_700_000_000, owned_by: 'faultline-simulator' };
}

export function openaiModelList(models: string[]) {
  return { object: 'list', data: models.map(openaiModel) };
}
