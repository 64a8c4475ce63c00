import type { SimStep } from './script.ts';

/**
 * Providers' own error answers, as scenario tests and benches script them: each is what the provider
 * sends, word for word, so the classifier reads what it reads in production.
 */
export const OK: SimStep = { kind: 'success' };

/** OpenAI's answer when the account's credit or quota is exhausted. */
export const QUOTA_429: SimStep = {
  kind: 'http',
  status: 429,
  body: {
    error: {
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
    },
  },
};

/** OpenAI's answer to a revoked or wrong key. */
export const KEY_REVOKED_401: SimStep = {
  kind: 'http',
  status: 401,
  body: {
    error: {
      message:
        'Incorrect API key provided: sk-abc***. You can find your API key at https://platform.openai.com/account/api-keys.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  },
};

/** OpenAI's answer for a decommissioned model. */
export const modelGone404 = (model: string): SimStep => ({
  kind: 'http',
  status: 404,
  body: {
    error: {
      message: `The model \`${model}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    },
  },
});

/** OpenAI's overloaded answer. */
export const OVERLOADED_503: SimStep = {
  kind: 'http',
  status: 503,
  body: {
    error: {
      message: 'The server is overloaded or not ready yet.',
      type: 'server_error',
      param: null,
      code: null,
    },
  },
};

/** OpenRouter out of credits (`faultline classify --provider gw --status 402 --body …`: billing_quota). */
export const OPENROUTER_NO_CREDITS_402: SimStep = {
  kind: 'http',
  status: 402,
  body: {
    error: {
      code: 402,
      message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits',
    },
  },
};

/**
 * OpenRouter relaying the upstream's own quota error in `metadata.raw` (classify: billing_quota,
 * reason insufficient_quota), under a generic 400 "Provider returned error".
 */
export const OPENROUTER_UPSTREAM_QUOTA_400: SimStep = {
  kind: 'http',
  status: 400,
  body: {
    error: {
      code: 400,
      message: 'Provider returned error',
      metadata: {
        raw: JSON.stringify({
          error: {
            message: 'You exceeded your current quota, please check your plan and billing details.',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        }),
        provider_name: 'OpenAI',
      },
    },
  },
};

/** `steps` repeated until the script has `length` steps (the simulator repeats only the last one). */
export const alternate = (steps: SimStep[], length: number): SimStep[] =>
  Array.from({ length }, (_, i) => steps[i % steps.length]!);
