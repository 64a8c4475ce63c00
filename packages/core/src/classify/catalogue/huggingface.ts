import { type ProviderCatalogue, statusRow } from './row.ts';

const PRICING = 'https://huggingface.co/docs/inference-providers/pricing';
const TGI =
  'https://github.com/huggingface/text-generation-inference/blob/main/clients/python/text_generation/errors.py';

// The router (Inference Providers) answers OpenAI-style or with the provider's body; a TGI backend
// answers `{ error, error_type }`, and `error_type` (validation, generation, overloaded,
// incomplete_generation) names the cause.
export const huggingface = {
  provider: 'huggingface',
  rows: [
    statusRow(401, 'authentication', 'invalid_api_key', 'A missing or invalid access token', PRICING),
    statusRow(
      402,
      'billing_quota',
      'credit_balance_too_low',
      'Monthly included credits are spent; pre-paid credits are needed',
      PRICING,
      {
        retryable: false,
      },
    ),
    statusRow(
      422,
      'invalid_request',
      'invalid_parameter',
      'TGI `validation`: the inputs fail validation (e.g. tokens over the limit)',
      TGI,
    ),
    statusRow(
      424,
      'server_error',
      'internal_error',
      'TGI `generation`: generation failed inside the server',
      TGI,
      { retryable: true },
    ),
    statusRow(429, 'server_error', 'overloaded', 'TGI `overloaded`: the queue is full', TGI, {
      retryable: true,
      message: 'Model is overloaded',
      disambiguation: 'a router 429 without `error_type: overloaded` is a rate limit',
    }),
    statusRow(429, 'rate_limit', 'rate_limited', 'Too many requests for the account', TGI, {
      retryable: true,
    }),
    statusRow(500, 'server_error', 'internal_error', 'TGI `incomplete_generation`', TGI, { retryable: true }),
    statusRow(504, 'server_error', 'gateway_timeout', 'A shard timed out', TGI, { retryable: true }),
  ],
} as const satisfies ProviderCatalogue;
