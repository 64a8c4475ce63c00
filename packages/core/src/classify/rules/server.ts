import type { Reason } from '../reasons.ts';
import { firstReason, hasCode, hasKind, type Rule, says, verdict, withConfidence } from '../rule.ts';
import { clientGaveUp, hasNetworkMark } from './network.ts';

const OVERLOADED =
  /overloaded|capacity exceeded|over capacity|out of capacity|at capacity|high demand|insufficient capacity|no capacity|capacity_exceeded|(?:server|service|system) is (?:currently )?busy|server busy/;
const ENGINE_DEAD =
  /engine ?dead|enginedeaderror|engine loop is not running|background loop has errored|enginecore encountered an issue/;

const SERVER_TEXT: [RegExp, Reason][] = [
  [OVERLOADED, 'overloaded'],
  [
    // Cloudflare 502/520-527 pages, Envoy "upstream connect error", OpenRouter mid-stream "Provider disconnected".
    /bad gateway|cf_bad_gateway|upstream connect error|upstream (?:error|failure)|web server is returning an unknown error|\b52[0-7]\b: |provider disconnected|origin is unreachable/,
    'bad_gateway',
  ],
  [/gateway time-?out|upstream request timeout|deadline expired|deadline_exceeded/, 'gateway_timeout'],
  [
    // Hugging Face serverless cold start: "Model <id> is currently loading" (503, `estimated_time`).
    /service unavailable|temporarily unavailable|not ready yet|serviceunavailable|please try again later|is currently unavailable|service is unavailable|is currently loading/,
    'service_unavailable',
  ],
  [
    /internal server error|internal error|server had an error|server error|an error occurred while processing your request|server_error|internalserverexception|api_error|unexpected error during processing|(?:runner|worker|engine|backend)(?: process)? (?:has )?(?:terminated|exited|died|crashed|(?:is )?no longer running)/,
    'internal_error',
  ],
];

const SERVER_CODES = new Set([
  'overloaded_error',
  'api_error',
  'internal',
  'internal_error',
  'internal_server_error',
  'unavailable',
  'service_unavailable',
  'server_error',
  'deadline_exceeded',
  'capacity_exceeded',
  'service_tier_capacity_exceeded',
  'internalserverexception',
  'serviceunavailableexception',
  'modelstreamerrorexception',
  'modelerrorexception',
]);
const SERVER_KINDS = new Set(['internalservererror', 'serviceunavailableerror', 'overloadederror']);
// OpenRouter: "Rate limit exceeded: limit_rpm/… High demand for … on OpenRouter - limited to 1 requests per minute".
const SAYS_RATE_LIMIT = /rate[ _-]?limit/;
const RATE_LIMIT_CODES = new Set([
  'rate_limit_exceeded',
  'rate_limited',
  'rate_limit_error',
  'throttlingexception',
]);

/**
 * Rule 5a, before the rate-limit rule: a 429 that says the provider is overloaded (OpenAI `server_error`
 * "That model is currently overloaded", Mistral "Service tier capacity exceeded") is the provider, not us,
 * unless it also carries a rate-limit code (Azure's peak-load 429 does).
 */
export const overloadedRule: Rule = {
  name: 'overloaded-429',
  confidence: 'text_pattern',
  match(s) {
    if (s.status !== 429 || hasCode(s, RATE_LIMIT_CODES) || says(s, SAYS_RATE_LIMIT)) return null;
    if (hasCode(s, OVERLOAD_CODES))
      return withConfidence(verdict('server_error', 'overloaded'), 'documented_code');
    return says(s, OVERLOADED) ? verdict('server_error', 'overloaded') : null;
  },
};

const OVERLOAD_CODES = new Set([
  'server_error',
  'overloaded_error',
  'capacity_exceeded',
  'service_tier_capacity_exceeded',
]);

// Faults whatever the status: Bedrock sends ModelErrorException as 424 and ModelTimeoutException as 408.
const PROVIDER_FAULT_CODES = new Set([
  'overloaded_error',
  'modelerrorexception',
  'modeltimeoutexception',
  'internalserverexception',
  'serviceunavailableexception',
]);

const BY_STATUS: Record<number, Reason> = {
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
  529: 'overloaded',
};

/** Rule 5b: the provider or its edge failed (5xx, 529, mid-stream `overloaded_error`, HTML error pages). */
export const serverRule: Rule = {
  name: 'server',
  confidence: 'text_pattern',
  match(s) {
    // vLLM's dead engine answers 500 to every request until restarted: retrying does not help.
    if (says(s, ENGINE_DEAD) || s.codes.has('enginedeaderror'))
      return verdict('server_error', 'engine_dead', false);
    const fault = hasCode(s, PROVIDER_FAULT_CODES);
    if (!fault && s.status !== null && s.status >= 300 && s.status < 500)
      // A 4xx is the caller's, unless the provider says it is overloaded (Groq answers 498 when its flex tier is full).
      return says(s, OVERLOADED) ? verdict('server_error', 'overloaded') : null;
    const reason = firstReason(s, SERVER_TEXT);
    if (fault) return withConfidence(verdict('server_error', reason ?? 'internal_error'), 'documented_code');
    if (s.status !== null && s.status >= 500) {
      const v = verdict('server_error', reason ?? BY_STATUS[s.status] ?? 'internal_error');
      return reason ? v : withConfidence(v, 'status_only');
    }
    // No status (a mid-stream error event, a re-thrown text): a code or a text alone speaks, unless the caller's
    // own deadline passed (rule 6).
    if (clientGaveUp(s)) return null;
    if (hasCode(s, SERVER_CODES) || hasKind(s, SERVER_KINDS))
      return withConfidence(verdict('server_error', reason ?? 'internal_error'), 'documented_code');
    // "Connection error … please try again later" is still no response at all (rule 6).
    if (reason && !hasNetworkMark(s)) return verdict('server_error', reason);
    return null;
  },
};
