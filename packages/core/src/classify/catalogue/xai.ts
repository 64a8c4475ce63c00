import { type ProviderCatalogue, statusRow } from './row.ts';

const ERRORS = 'https://docs.x.ai/docs/key-information/debugging';

// xAI answers `{ code, error }` where `code` is a gRPC-style sentence, not a code: the status and the
// words carry the meaning (an incorrect API key comes back as a 400).
export const xai = {
  provider: 'xai',
  rows: [
    statusRow(400, 'invalid_request', 'invalid_parameter', 'An invalid argument in the body or URL', ERRORS, {
      disambiguation: '"Incorrect API key provided" on a 400 is a bad key',
    }),
    statusRow(400, 'authentication', 'invalid_api_key', 'An incorrect API key was supplied', ERRORS, {
      message: 'Incorrect API key provided',
    }),
    statusRow(
      401,
      'authentication',
      'invalid_api_key',
      'No authorization header, or an invalid token',
      ERRORS,
    ),
    statusRow(
      403,
      'authentication',
      'permission_denied',
      'The key or team lacks permission, or is blocked',
      ERRORS,
      {
        disambiguation: 'a team without credits is billing',
      },
    ),
    statusRow(404, 'invalid_request', 'invalid_url', 'Model not found or invalid endpoint URL', ERRORS, {
      disambiguation: '"The model … does not exist or your team … does not have access" is a model error',
    }),
    statusRow(
      405,
      'invalid_request',
      'invalid_url',
      'The HTTP method is not allowed on this endpoint',
      ERRORS,
    ),
    statusRow(
      415,
      'invalid_request',
      'invalid_parameter',
      'Unsupported media type: an empty or non-JSON body',
      ERRORS,
    ),
    statusRow(422, 'invalid_request', 'invalid_parameter', 'A field has an invalid format', ERRORS),
    statusRow(
      429,
      'rate_limit',
      'rate_limited',
      'Too many requests: the team rate limit was reached',
      ERRORS,
      { retryable: true },
    ),
  ],
} as const satisfies ProviderCatalogue;
