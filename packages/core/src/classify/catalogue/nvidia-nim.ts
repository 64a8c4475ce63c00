import type { ProviderCatalogue } from './row.ts';

const API = 'https://docs.nvidia.com/nim/large-language-models/latest/reference/api-reference.html';

// NIM for LLMs serves an OpenAI-compatible API backed by vLLM, so its errors are vLLM's.
export const nvidiaNim = {
  provider: 'nvidia-nim',
  rows: [
    {
      status: 400,
      type: 'BadRequestError',
      meaning: 'The request failed validation (vLLM backend)',
      category: 'invalid_request',
      reason: 'invalid_parameter',
      kind: 'class',
      url: API,
    },
    {
      status: 404,
      type: 'NotFoundError',
      meaning: 'The model is not among those loaded (`GET /v1/models` lists them)',
      category: 'model_error',
      reason: 'model_not_found',
      kind: 'code',
      url: API,
    },
    {
      status: 500,
      type: 'InternalServerError',
      meaning: 'Generation failed inside the inference backend',
      category: 'server_error',
      reason: 'internal_error',
      retryable: true,
      kind: 'class',
      url: API,
    },
  ],
} as const satisfies ProviderCatalogue;
