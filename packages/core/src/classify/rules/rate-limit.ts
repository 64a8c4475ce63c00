import { hasCode, hasKind, type Rule, says, type Verdict, verdict, withConfidence } from '../rule.ts';
import type { Signals } from '../signals.ts';
import { CONTEXT_LENGTH } from './request.ts';

const RATE_CODES = new Set([
  'rate_limit_exceeded',
  'rate_limit_error',
  'rate_limited',
  'rate_limit',
  'ratelimitexceeded',
  'rate_limit_reached',
  'model_rate_limit',
  'throttling_error',
  'throttlingexception',
  'toomanyrequestsexception',
  // Bedrock: "Your request exceeds the service quota for your account … You can resubmit your request later."
  'servicequotaexceededexception',
  'too_many_requests',
  'resource_exhausted',
  // OpenAI and Groq put the exhausted dimension in `type`; Mistral's code 1300 is "Rate limit exceeded".
  'tokens',
  'requests',
  '1300',
]);
const RATE_KINDS = new Set(['ratelimiterror', 'toomanyrequestserror']);
const RATE_TEXT =
  /rate[ _-]?limit|too many requests|tokens per (?:min|minute|day|hour)|requests per (?:min|minute|day|hour|second)|\b(?:tpm|rpm|tpd|rpd|itpm|otpm|rps)\b|throttl|no deployments available|no models available|temporarily rate-limited|resource has been exhausted|resource exhausted|quota exceeded for|too many tokens|calls ?\/ ?minute|too many concurrent|concurrency limit|too quickly|per[- ]minute limit|request rate is too high|reduce the frequency of (?:your )?requests|\bqps\b|request limit reached|请求(?:过于频繁|频率)|限流/;
// Groq 413 and OpenAI 429 "Request too large for … on tokens per min (TPM): Limit 30000, Requested 30601".
const LARGER_THAN_LIMIT =
  /request too large|must be reduced in order to run|reduce your message size|requested \d+.{0,40}limit \d+|exceeds? the (?:tpm|token) (?:rate )?limit/;
// LiteLLM's router when every deployment is cooling down after 429s ("No deployments available … try again in 60 seconds").
const NO_CAPACITY = /no deployments available|no models available/;
const TOKENS = /tokens per|\b(?:tpm|itpm|otpm|tpd)\b|too many tokens|token rate limit/;
const REQUESTS = /requests per|\b(?:rpm|rpd|rps)\b|too many requests|call rate limit|calls ?\/ ?minute/;

/** Rule 4: a limit that clears if you wait (RPM, TPM, a rolling window). */
export const rateLimitRule: Rule = {
  name: 'rate-limit',
  // Each verdict says what it rests on: a code, the text, or only a 429.
  confidence: 'status_only',
  match(s) {
    const confidence = hasCode(s, RATE_CODES)
      ? 'documented_code'
      : says(s, RATE_TEXT)
        ? 'text_pattern'
        : s.status === 429 || hasKind(s, RATE_KINDS)
          ? 'status_only'
          : null;
    if (!confidence) return null;
    const v = limitVerdict(s);
    return v && withConfidence(v, confidence);
  },
};

/** Which limit, once the rule knows it is one. */
function limitVerdict(s: Signals): Verdict | null {
  // Cohere's 400 "too many tokens: … in the prompt cannot exceed 4081" is a long prompt, not a rate.
  if (s.status !== null && s.status !== 429 && s.status !== 413 && s.status < 500 && says(s, CONTEXT_LENGTH))
    return null;
  if (says(s, LARGER_THAN_LIMIT)) return verdict('rate_limit', 'request_too_large_for_tpm', false);
  if (says(s, NO_CAPACITY)) return verdict('rate_limit', 'no_capacity');
  if (s.codes.has('tokens') || says(s, TOKENS)) return verdict('rate_limit', 'tpm_limit');
  if (s.codes.has('requests') || says(s, REQUESTS)) return verdict('rate_limit', 'rpm_limit');
  return verdict('rate_limit', 'rate_limited');
}
