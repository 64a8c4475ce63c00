import type { Reason } from '../reasons.ts';
import type { Verdict } from '../rule.ts';
import { hasCode, hasKind, type Rule, says, verdict, withConfidence } from '../rule.ts';
import type { Signals } from '../signals.ts';

// Azure "content management policy", OpenAI `content_policy_violation` ("rejected as a result of our safety
// system"), Gemini "blocked due to SAFETY" / PROHIBITED_CONTENT, OpenRouter 403 "requires moderation … flagged".
export const CONTENT_FILTER =
  /content (?:management )?polic|content[_ ]filter|responsible ?ai|\bsafety\b|\bflagged\b|moderation|violat(?:es|ion|ing) .{0,30}polic|blocked by|blocked due to|prohibited_content|recitation|blocklist|usage polic/;
export const CONTEXT_LENGTH =
  /context[_ ]length|context window|maximum context|context limit|prompt is too long|too many tokens in (?:the )?(?:prompt|input)|input is too long|exceeds? the (?:maximum )?(?:context|input)|reduce the length|max_tokens: \d+ > \d+|maximum allowed number of output tokens|maximum (?:prompt|input) length|exceeds the maximum number of tokens|input token count|number of tokens in the prompt|prompt cannot exceed|too large for model with|maximum model length|max_model_len|`?inputs`? tokens \+ `?max_new_tokens`? must be|must have less than \d+ (?:input )?tokens/;
export const INVALID_URL =
  /invalid url|unknown url|no route|not a valid (?:endpoint|path)|unknownoperationexception|operation is not recognized|unrecognized request url|route not found|path not found|endpoint not found|method not allowed/;
const UNSUPPORTED_PARAM =
  /unsupported (?:parameter|value)|not supported with this model|does not support|unrecognized (?:request argument|field)|extra (?:inputs|fields) are not permitted|invalid[_ ](?:parameter|value|type|request body|schema|image)|must contain|is required|must be (?:a|an|one of|less|greater|between|at least|at most)|validationexception|invalid_argument|\bparam(?:eter)?\b.{0,40}\binvalid|cannot both be specified|malformed|failed to deserialize|invalid json|input validation error|\bvalidation error/;

const CONTENT_CODES = new Set(['content_filter', 'content_policy_violation', 'prohibited_content', 'safety']);
const CONTEXT_CODES = new Set(['context_length_exceeded', 'string_above_max_length']);
const PARAM_CODES = new Set([
  'unsupported_parameter',
  'invalid_request_body',
  'unsupported_value',
  'invalid_value',
]);
const REQUEST_CODES = new Set([
  'invalid_request_error',
  'validationexception',
  'invalid_argument',
  'failed_precondition',
  'out_of_range',
  'badrequesterror',
  'request_too_large',
]);
const REQUEST_KINDS = new Set([
  'badrequesterror',
  'unprocessableentityerror',
  'contextwindowexceedederror',
  'contentpolicyviolationerror',
]);

// What is left of an opaque error once the words every error carries are gone: nothing.
const OPAQUE_WORDS =
  /\breq_\w+|\b(?:error|errors|provider|returned|bad|request|requests|request_id|id|api|openai|http|status|code|type|message|param|object|details|invalid_request_error|null|none|true|false|the|an?|\d{3})\b|[^a-z]+/g;

function isOpaque(s: Signals): boolean {
  return s.text.replace(OPAQUE_WORDS, '').length === 0;
}

/** Rule 7: the request itself is wrong (too long, bad parameter, filtered content, wrong path). Opaque 4xx: rule 8. */
export const invalidRequestRule: Rule = {
  name: 'invalid-request',
  confidence: 'text_pattern',
  match(s) {
    if (hasCode(s, CONTENT_CODES)) return documented('content_filter');
    if (says(s, CONTENT_FILTER)) return verdict('invalid_request', 'content_filter');
    if (hasCode(s, CONTEXT_CODES) || s.kinds.has('contextwindowexceedederror'))
      return documented('context_length_exceeded');
    if (says(s, CONTEXT_LENGTH)) return verdict('invalid_request', 'context_length_exceeded');
    if (says(s, INVALID_URL)) return verdict('invalid_request', 'invalid_url');
    if (hasCode(s, PARAM_CODES)) return documented('unsupported_parameter');
    if (says(s, UNSUPPORTED_PARAM)) return verdict('invalid_request', 'unsupported_parameter');
    if (s.status !== null && s.status >= 400 && s.status < 500) {
      // A 4xx that says nothing but "Error" or "Provider returned error" names no cause.
      if (isOpaque(s)) return withConfidence(verdict('unknown', 'unrecognized'), 'fallback');
      const v = verdict('invalid_request', s.status === 404 ? 'invalid_url' : 'invalid_parameter');
      return withConfidence(v, hasCode(s, REQUEST_CODES) ? 'documented_code' : 'status_only');
    }
    if (hasCode(s, REQUEST_CODES) || hasKind(s, REQUEST_KINDS)) return documented('invalid_parameter');
    return null;
  },
};

const documented = (reason: Reason): Verdict =>
  withConfidence(verdict('invalid_request', reason), 'documented_code');
