import type { Category } from '../taxonomy.ts';
import type { Reason } from './reasons.ts';
import type { Signals } from './signals.ts';

export interface Verdict {
  category: Category;
  reason: Reason;
  /** Overrides the category's default (e.g. a request larger than the TPM cap never succeeds as is). */
  retryable?: boolean;
}

/** A rule: a name for tests and logs, and a test on the signals. First match wins. */
interface Rule {
  name: string;
  match(s: Signals, retryAfterMs: number | null): Verdict | null;
}

const has = (s: Signals, ...codes: string[]) => codes.some((c) => s.codes.has(c));
const says = (s: Signals, pattern: RegExp) => pattern.test(s.text);
const v = (category: Category, reason: Reason, retryable?: boolean): Verdict =>
  retryable === undefined ? { category, reason } : { category, reason, retryable };

// A provider asking for a wait this long is not throttling: the allowance is spent (Azure sends
// `retry after 86400 seconds` when a tier's daily quota is gone).
const LONG_RESET_MS = 3_600_000;

const BILLING_TEXT: [RegExp, Reason][] = [
  [
    /credit balance is too low|insufficient[_ ](?:credits?|balance|funds)|not enough (?:credits|balance)|out of credits|credits? (?:exhausted|depleted)|no credits? (?:left|remaining)/,
    'credit_balance_too_low',
  ],
  [
    /requires? more credits|more credits are required|can only afford|add (?:more )?credits|purchase (?:more )?credits|top[ -]?up your/,
    'credit_balance_too_low',
  ],
  [
    /exceeded your current quota|insufficient[_ ]quota|quota (?:has been )?exhausted for (?:this )?(?:month|billing)|you have run out of/,
    'insufficient_quota',
  ],
  [
    /billing (?:details|is not active|not active|hard limit|account)|account is not active|billing_not_active|payment (?:method|required|is required|failed)|past due|unpaid invoice/,
    'billing_not_active',
  ],
  [
    /(?:spend(?:ing)?|budget|usage|monthly|key) limit (?:exceeded|reached|has been)|exceeded (?:your |the )?(?:spend|budget|monthly)|budget (?:has been )?exceeded|key with a higher (?:monthly )?limit|higher monthly limit|max budget/,
    'spend_limit',
  ],
  [
    /free[ _-]?tier.*(?:per ?day|limit: 0)|per ?day.*free[ _-]?tier|trial (?:has )?(?:ended|expired)/,
    'quota_long_reset',
  ],
];

const AUTH_TEXT: [RegExp, Reason][] = [
  [
    /missing (?:an |the )?api[ _-]?key|api[ _-]?key (?:is )?(?:missing|required|not (?:set|provided|found))|no api[ _-]?key|didn't provide an api key|could not resolve authentication|x-api-key header is required|authorization header is (?:missing|required)|expected either apikey or authtoken/,
    'missing_api_key',
  ],
  [
    /(?:invalid|incorrect|wrong|bad|malformed|unknown) (?:x-)?api[ _-]?key|api[ _-]?key (?:is )?(?:invalid|not valid|incorrect|expired|revoked)|api_key_invalid|invalid_api_key|authentication fails?|authentication failed|invalid (?:bearer |access |auth(?:entication)? )?token|(?:token|credentials?) (?:has |have )?expired|invalid credentials|no such user|unauthenticated|couldn't find a secret|secret .{0,40} not found/,
    'invalid_api_key',
  ],
  [
    /has not been used in project|api has not been (?:used|enabled)|service_disabled|is disabled\. enable it|api (?:is )?not enabled/,
    'api_not_enabled',
  ],
  [
    /(?:has been|was|is) (?:suspended|deactivated|disabled|banned|revoked)|consumer_suspended|account (?:suspended|deactivated|disabled)|organization (?:has been )?(?:deactivated|disabled)/,
    'key_suspended',
  ],
  [
    /user location is not supported|country, region,? or territory not supported|unsupported_country|not available in your (?:country|region)|region is not supported/,
    'region_not_supported',
  ],
  [
    /oauth authentication is (?:currently )?not allowed|not authorized to (?:use|access) this (?:api|endpoint|organization)/,
    'permission_denied',
  ],
];

const MODEL_TEXT: [RegExp, Reason][] = [
  [
    /decommissioned|deprecated and (?:is )?no longer|has been (?:retired|deprecated|shut ?down)|no longer (?:supported|available)|end of life/,
    'model_decommissioned',
  ],
  [
    /don't have access to (?:the |this )?model|do not have access to (?:the |this )?model|model access is denied|not authorized to (?:access|invoke) (?:the |this )?model|access to (?:the |this )?model (?:is )?denied/,
    'model_access_denied',
  ],
  [
    /deploymentnotfound|deployment (?:for this resource )?does not exist|deployment .{0,60} not found|non-serverless model|dedicated endpoint|model_not_available|not deployed|on-demand throughput isn.t supported/,
    'model_not_deployed',
  ],
  [
    /model(?:s\/| )[`'"]?[\w./:@-]*[`'"]? (?:is )?not found|model (?:not found|not exist|does not exist)|model_not_found|(?:the )?model [`'"]?[\w./:@-]+[`'"]? does not exist|no such model|unknown model|invalid model|model not exist|try pulling it first|publisher model .{0,120} (?:not found|was not found)|model .{0,80} is not (?:found|available)|model_not_supported|could not find model/,
    'model_not_found',
  ],
  [
    /is not supported (?:in|for|by) the (?:\w+content|generatecontent|\w+) api|not supported for generatecontent|countTokens is infeasible|invocation of model id .{0,120} (?:isn.t|is not) supported|unsupported model|model .{0,60} is not supported/i,
    'model_not_supported',
  ],
];

const RATE_TEXT =
  /rate[ _-]?limit|too many requests|tokens per (?:min|minute|day)|requests per (?:min|minute|day)|\b(?:tpm|rpm|tpd|rpd|itpm|otpm)\b|throttl|try again in \d|no deployments available|no models available|temporarily rate-limited|resource has been exhausted|quota exceeded for quota metric|too many tokens/;
const TOO_LARGE_FOR_LIMIT =
  /request too large|must be reduced|reduce your message|requested \d+.{0,40}limit \d+|exceeds? the (?:tpm|token) limit/;

const SERVER_TEXT: [RegExp, Reason][] = [
  [/engine ?dead|enginedeaderror|engine loop is not running|background loop has errored/, 'engine_dead'],
  [
    /overloaded|overloaded_error|capacity exceeded|out of capacity|at capacity|high demand|insufficient capacity|no capacity/,
    'overloaded',
  ],
  [
    /bad gateway|cf_bad_gateway|upstream connect error|upstream (?:error|failure)|web server is returning an unknown error|\b52[0-7]\b: /,
    'bad_gateway',
  ],
  [/gateway time-?out|upstream request timeout/, 'gateway_timeout'],
  [
    /service unavailable|temporarily unavailable|not ready yet|serviceunavailable|please try again later/,
    'service_unavailable',
  ],
  [
    /internal server error|internal error|server had an error|an error occurred while processing your request|server_error|internalserverexception|api_error/,
    'internal_error',
  ],
];

const CONTENT_FILTER =
  /content (?:management )?policy|content[_ ]filter|responsible ai|safety (?:system|filter)|flagged|moderation|violat(?:es|ion) .{0,30}polic|blocked by/;
const CONTEXT_LENGTH =
  /context[_ ]length|maximum context|prompt is too long|too many tokens in (?:the )?(?:prompt|input)|input is too long|exceeds the (?:maximum )?(?:context|input)|reduce the length|max_tokens: \d+ > \d+|maximum allowed number of output tokens/;
const INVALID_URL =
  /invalid url|unknown url|no route|not a valid (?:endpoint|path)|unknownoperationexception|operation is not recognized|requested operation is not recognized|unrecognized request url/;
const UNSUPPORTED_PARAM =
  /unsupported (?:parameter|value)|not supported with this model|unrecognized (?:request argument|field)|extra (?:inputs|fields) are not permitted|invalid[_ ](?:parameter|value|type|request body)|must contain|is required|must be (?:a|an|one of|less|greater|between)|validationexception|invalid_argument|\bparam(?:eter)?\b.{0,40}\binvalid/;

const NETWORK_CODES: [RegExp, Reason, boolean][] = [
  [/^(?:enotfound)$/, 'dns_failure', false],
  [/^(?:eai_again)$/, 'dns_failure', true],
  [/^(?:econnrefused)$/, 'connection_refused', true],
  [/^(?:econnreset|epipe|econnaborted|und_err_socket|und_err_closed)$/, 'connection_reset', true],
  [
    /^(?:etimedout|esockettimedout|und_err_connect_timeout|und_err_headers_timeout|und_err_body_timeout)$/,
    'timeout',
    true,
  ],
  [/^(?:ehostunreach|enetunreach|enetdown|und_err_.*)$/, 'connection_error', true],
];

const NETWORK_TEXT: [RegExp, Reason][] = [
  [/timed? ?out|timeout/, 'timeout'],
  [/connection refused|econnrefused|errno 111/, 'connection_refused'],
  [
    /getaddrinfo|enotfound|name or service not known|nodename nor servname|could not resolve host/,
    'dns_failure',
  ],
  [
    /econnreset|socket hang up|connection reset|remote end closed|other side closed|disconnected before secure tls|connection aborted|premature close|terminated/,
    'connection_reset',
  ],
  [
    /connection error|fetch failed|unable to connect|cannot connect|failed to connect|network error|connecterror|error communicating with|max retries exceeded with url/,
    'connection_error',
  ],
];

function firstText(s: Signals, table: [RegExp, Reason][]): Reason | null {
  for (const [pattern, reason] of table) if (pattern.test(s.text)) return reason;
  return null;
}

const ABORT_NAMES = /^(?:apiuserabort|abort)error$/i;
const TIMEOUT_NAMES = /^(?:apiconnectiontimeouterror|timeouterror|connecttimeouterror|headerstimeouterror)$/i;
const CONNECTION_NAMES =
  /^(?:apiconnectionerror|fetcherror|connecterror|connectionerror|socketerror|requesterror)$/i;

/** Ordered as shared/corpus/README.md labels: billing, authentication, model, rate limit, server, network, request. */
export const RULES: Rule[] = [
  {
    name: 'billing',
    match(s, retryAfter) {
      if (
        has(
          s,
          'insufficient_quota',
          'billing_not_active',
          'billing_hard_limit_reached',
          'insufficient_balance',
          'insufficient_user_quota',
          'payment_required',
          'credit_limit_exceeded',
          'budget_exceeded',
        )
      )
        return v('billing_quota', has(s, 'billing_not_active') ? 'billing_not_active' : 'insufficient_quota');
      const reason = firstText(s, BILLING_TEXT);
      if (reason) return v('billing_quota', reason);
      if (s.status === 402) return v('billing_quota', 'payment_required');
      if (
        retryAfter !== null &&
        retryAfter >= LONG_RESET_MS &&
        (s.status === 429 || says(s, /quota|rate limit/))
      )
        return v('billing_quota', 'quota_long_reset');
      return null;
    },
  },
  {
    name: 'authentication',
    match(s) {
      const reason = firstText(s, AUTH_TEXT);
      if (reason) return v('authentication', reason);
      if (
        has(
          s,
          'invalid_api_key',
          'api_key_invalid',
          'authentication_error',
          'unauthenticated',
          'unrecognizedclientexception',
          'invalidsignatureexception',
          'expiredtokenexception',
          'missingauthenticationtokenexception',
          'incompletesignature',
          'consumer_suspended',
          'service_disabled',
          'access_token_expired',
          'unsupported_country_region_territory',
          'invalid_auth',
        )
      )
        return v('authentication', 'invalid_api_key');
      if (s.status === 401) return v('authentication', 'invalid_api_key');
      return null;
    },
  },
  {
    name: 'model',
    match(s) {
      const reason = firstText(s, MODEL_TEXT);
      if (reason) return v('model_error', reason);
      if (
        has(
          s,
          'model_not_found',
          'deploymentnotfound',
          'model_not_available',
          'modelnotreadyexception',
          'resourcenotfoundexception',
        )
      )
        return v('model_error', 'model_not_found');
      // vLLM, Ollama and other OpenAI-compatible servers answer an unknown model with a 404 whose body
      // lacks the `error` key, which the openai SDK then drops: an empty 404 there means the model.
      if (s.status === 404 && (s.emptyBody || has(s, 'notfounderror')) && !says(s, INVALID_URL))
        return v('model_error', 'model_not_found');
      return null;
    },
  },
  {
    name: 'permission',
    match(s) {
      if (says(s, CONTENT_FILTER)) return null;
      if (
        has(s, 'permission_error', 'permission_denied', 'accessdeniedexception', 'forbidden') ||
        s.status === 403 ||
        says(s, /permission denied|access denied|forbidden/)
      )
        return v('authentication', 'permission_denied');
      return null;
    },
  },
  {
    name: 'server-overload',
    // A 429 whose type is server_error ("That model is currently overloaded") is the provider, not us.
    match(s) {
      if (has(s, 'server_error', 'overloaded_error') && s.status === 429)
        return v('server_error', 'overloaded');
      return null;
    },
  },
  {
    name: 'rate-limit',
    match(s) {
      const byCode = has(
        s,
        'rate_limit_exceeded',
        'rate_limit_error',
        'rate_limited',
        'ratelimitexceeded',
        'rate_limit',
        'throttlingexception',
        'toomanyrequestsexception',
        'resource_exhausted',
        'tokens',
        'requests',
        '1300',
        'too_many_requests',
      );
      if (
        !byCode &&
        s.status !== 429 &&
        !says(s, RATE_TEXT) &&
        !s.names.some((n) => /ratelimit|toomanyrequests/i.test(n))
      )
        return null;
      if (says(s, TOO_LARGE_FOR_LIMIT)) return v('rate_limit', 'request_too_large_for_tpm', false);
      if (says(s, /no deployments available|no models available/)) return v('rate_limit', 'no_capacity');
      return v(
        'rate_limit',
        says(s, /tokens per|\btpm\b|too many tokens/) ? 'tokens_per_minute' : 'rate_limited',
      );
    },
  },
  {
    name: 'server',
    match(s) {
      const reason = firstText(s, SERVER_TEXT);
      if (reason === 'engine_dead') return v('server_error', reason, false);
      if (s.status !== null && s.status >= 500) {
        if (reason) return v('server_error', reason);
        return v(
          'server_error',
          s.status === 502
            ? 'bad_gateway'
            : s.status === 503
              ? 'service_unavailable'
              : s.status === 504
                ? 'gateway_timeout'
                : 'internal_error',
        );
      }
      if (
        has(
          s,
          'overloaded_error',
          'api_error',
          'internal',
          'unavailable',
          'server_error',
          'internalserverexception',
          'serviceunavailableexception',
          'modelstreamerrorexception',
        )
      )
        return v('server_error', reason ?? 'internal_error');
      if (reason && (s.status === null || s.status < 300)) return v('server_error', reason);
      return null;
    },
  },
  {
    name: 'abort',
    match(s) {
      if (
        s.names.some((n) => ABORT_NAMES.test(n)) ||
        says(s, /request was aborted|operation was aborted|user aborted|aborted by (?:the )?user/)
      )
        return s.names.some((n) => TIMEOUT_NAMES.test(n)) ? null : v('unknown', 'aborted');
      return null;
    },
  },
  {
    name: 'network',
    match(s) {
      if (s.status !== null && !s.statusFromText) return null;
      const code = s.nodeCode?.toLowerCase();
      if (code)
        for (const [pattern, reason, retryable] of NETWORK_CODES)
          if (pattern.test(code)) return v('network_error', reason, retryable);
      if (s.names.some((n) => TIMEOUT_NAMES.test(n))) return v('network_error', 'timeout');
      const reason = firstText(s, NETWORK_TEXT);
      if (reason)
        // A name that does not resolve is a wrong host or proxy setting: waiting will not fix it.
        return v('network_error', reason, reason !== 'dns_failure');
      if (s.names.some((n) => CONNECTION_NAMES.test(n))) return v('network_error', 'connection_error');
      return null;
    },
  },
  {
    name: 'invalid-request',
    match(s) {
      if (says(s, CONTENT_FILTER) || has(s, 'content_filter', 'content_policy_violation'))
        return v('invalid_request', 'content_filter');
      if (says(s, CONTEXT_LENGTH) || has(s, 'context_length_exceeded', 'string_above_max_length'))
        return v('invalid_request', 'context_length_exceeded');
      if (says(s, INVALID_URL)) return v('invalid_request', 'invalid_url');
      if (
        says(s, UNSUPPORTED_PARAM) ||
        has(s, 'unsupported_parameter', 'invalid_request_body', 'unsupported_value')
      )
        return v('invalid_request', 'unsupported_parameter');
      if (s.status !== null && s.status >= 400 && s.status < 500) {
        // A 4xx that says nothing but "Error" or "Provider returned error" names no cause.
        if (isOpaque(s)) return v('unknown', 'unrecognized');
        return v('invalid_request', s.status === 404 ? 'invalid_url' : 'invalid_parameter');
      }
      if (
        has(
          s,
          'invalid_request_error',
          'validationexception',
          'invalid_argument',
          'failed_precondition',
          'badrequesterror',
        )
      )
        return v('invalid_request', 'invalid_parameter');
      return null;
    },
  },
];

const OPAQUE_WORDS =
  /\breq_\w+|\b(?:error|errors|provider|returned|bad|request|requests|api|openai|http|status|code|type|message|invalid_request_error|null|none|the|an?|\d{3})\b|[^a-z]+/g;

function isOpaque(s: Signals): boolean {
  return s.text.replace(OPAQUE_WORDS, '').length === 0;
}
