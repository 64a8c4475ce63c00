import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.ollama.com/api/errors';

// Ollama answers `{ error: "…" }` and nothing else; an error after streaming started keeps the 200.
export const ollama = {
  provider: 'ollama',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'Missing parameters or invalid JSON', ERRORS),
    statusRow(
      404,
      'model_error',
      'model_not_found',
      'The model does not exist (it has not been pulled)',
      ERRORS,
      {
        message: "model 'llama3.2' not found",
      },
    ),
    statusRow(429, 'rate_limit', 'rate_limited', 'Too many requests', ERRORS, { retryable: true }),
    statusRow(500, 'server_error', 'internal_error', 'Internal server error', ERRORS, { retryable: true }),
    statusRow(502, 'server_error', 'bad_gateway', 'A cloud model cannot be reached', ERRORS, {
      retryable: true,
    }),
  ],
} as const satisfies ProviderCatalogue;
