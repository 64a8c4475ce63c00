import type { ProviderCatalogue } from './row.ts';

const SERVER = 'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html';
const EXCEPTIONS = 'https://docs.vllm.ai/en/latest/api/vllm/exceptions/';

// vLLM's OpenAI-compatible server answers `{ object: "error", message, type, param, code }` (newer
// releases nest it under `error`), with `type` the exception's class name and `code` the status.
export const vllm = {
  provider: 'vllm',
  rows: [
    {
      status: 400,
      type: 'BadRequestError',
      meaning: 'The request failed validation',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      disambiguation: 'an input length over `max_model_len` is context length',
      url: SERVER,
    },
    {
      status: 404,
      type: 'NotFoundError',
      meaning: 'The model (or LoRA adapter) named in the request is not served',
      category: 'model_error',
      reason: 'model_not_found',
      kind: 'code',
      url: EXCEPTIONS,
    },
    {
      status: 500,
      type: 'InternalServerError',
      meaning: 'Generation failed inside the server',
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'class',
      disambiguation:
        'a dead engine ("EngineCore encountered an issue") fails until restarted: not retryable',
      url: EXCEPTIONS,
    },
  ],
} as const satisfies ProviderCatalogue;
