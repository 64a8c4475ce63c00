/** OpenAI chat-completions wire format, as the `openai` SDK parses it. */
let seq = 0;
const id = (p: string) => `${p}-sim${Date.now().toString(36)}${(seq++).toString(36)}`;
const now = () => Math.floor(Date.now() / 1000);

export function openaiCompletion(
  model: string,
  text: string,
  usage: { inputTokens: number; outputTokens: number },
) {
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
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

/** SSE frames of a streamed completion: role, content pieces, the finish, then [DONE]. */
export function openaiStreamFrames(model: string, pieces: string[]): string[] {
  const base = { id: id('chatcmpl'), object: 'chat.completion.chunk', created: now(), model };
  const frame = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
  return [
    frame({ role: 'assistant', content: '' }, null),
    ...pieces.map((p) => frame({ content: p }, null)),
    frame({}, 'stop'),
  ];
}

export const OPENAI_DONE = 'data: [DONE]\n\n';

/** OpenAI and gateways such as OpenRouter send a mid-stream failure as a data line carrying `error`. */
export function openaiStreamError(error: unknown): string {
  return `data: ${JSON.stringify({ error })}\n\n`;
}

export const openaiMissingKey = {
  error: {
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
    type: 'invalid_request_error',
    param: null,
    code: null,
  },
};

export function openaiModel(model: string) {
  return { id: model, object: 'model', created: 1_700_000_000, owned_by: 'faultline-simulator' };
}
