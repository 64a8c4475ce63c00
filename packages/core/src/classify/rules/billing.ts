import type { Reason } from '../reasons.ts';
import { firstReason, hasCode, type Rule, says, verdict, withConfidence } from '../rule.ts';
import type { Signals } from '../signals.ts';

const BILLING_CODES = new Map<string, Reason>([
  ['insufficient_quota', 'insufficient_quota'],
  ['insufficient_user_quota', 'insufficient_quota'],
  ['billing_hard_limit_reached', 'spend_limit'],
  ['billing_not_active', 'billing_not_active'],
  // Google ErrorInfo reason when the project has no billing account.
  ['billing_disabled', 'billing_not_active'],
  ['billing_error', 'billing_not_active'],
  ['payment_required', 'payment_required'],
  ['insufficient_balance', 'credit_balance_too_low'],
  ['insufficient_credits', 'credit_balance_too_low'],
  // Together `credit_limit`, LiteLLM proxy `budget_exceeded`.
  ['credit_limit', 'spend_limit'],
  ['credit_limit_exceeded', 'spend_limit'],
  ['budget_exceeded', 'spend_limit'],
  // Azure: the subscription has no quota left for the deployment's model.
  ['insufficientquota', 'insufficient_quota'],
]);

const BILLING_TEXT: [RegExp, Reason][] = [
  [
    // Anthropic "credit balance is too low", DeepSeek 402 "Insufficient Balance", OpenRouter 402 "requires more
    // credits … can only afford", xAI 403 "doesn't have any credits yet" / "used all available credits".
    // Chinese providers (Zhipu 1113 "余额不足或无可用资源包,请充值", DashScope "Arrearage", Qianfan): balance short, top up.
    /credit balance is too low|insufficient[_ ](?:credits?|balance|funds)|insufficient [\w ]{1,20}? balance|exceeded (?:your |the |its )?(?:[\w-]+ ){0,2}credits\b|余额不足|欠费|请充值|not enough (?:credits|balance|funds)|out of credits|credits? (?:have been |has been )?(?:exhausted|depleted|used up)|no credits? (?:left|remaining)|negative credit balance|(?:doesn't|does not|don't|do not) have (?:any |enough )?credits|used all (?:of )?(?:your |its |the )?(?:available )?credits|requires? more credits|more credits are required|can only afford|(?:add|purchase|buy) (?:\d+ |more |some )?credits|top[ -]?up your|balance is (?:insufficient|too low|not enough)|outstanding balance|exhausted (?:your |all )?(?:credits|balance)/,
    'credit_balance_too_low',
  ],
  [
    // one-api and new-api relays: "user quota is not enough", "该令牌额度已用尽" (this token's allowance is used up).
    /exceeded your current quota|insufficient[_ ]quota|quota is not enough|额度(?:已用完|已用尽|不足)|quota (?:has been |is )?exhausted for (?:this )?(?:month|billing)/,
    'insufficient_quota',
  ],
  [
    // "adding a payment method" also appears in OpenAI's free-tier rate-limit text: only an update or a failure counts.
    // Gemini "User location is not supported for the API use without a billing account linked".
    /billing (?:is not active|not active|hard limit)|without (?:a |an )?(?:linked )?billing account|billing account (?:is )?not linked|link a billing account|billing account[^.\n]{0,40}\b(?:disabled|closed|not found|absent|delinquent)|account is not active|check your (?:plan and )?billing details|update (?:your |the )?payment method|payment (?:required|is required|failed|declined|overdue)|past due|unpaid invoice|pay past invoices|requires billing to be enabled|enable billing|account is (?:not )?in good standing/,
    'billing_not_active',
  ],
  [
    // Anthropic "You have reached your specified API usage limits", OpenRouter "Key limit exceeded" and "create a
    // key with a higher monthly limit", xAI "reached its monthly spending limit", LiteLLM "Budget has been exceeded".
    /(?:spend(?:ing)?|budget|usage|monthly|weekly|daily|key|credit) limits? (?:exceeded|reached|has been (?:exceeded|reached))|exceeded (?:your |the |its )?(?:spend(?:ing)?|budget|monthly|usage) (?:limit|cap)|(?:reached|hit) (?:your |its |the )?(?:[\w-]+ ){0,3}?(?:spend(?:ing)?|usage|budget|credit) limits?|budget (?:has been )?exceeded|exceeded\w*budget|(?:exceeded|crossed) (?:the |your |its )?budget\b|over budget|reached (?:your |its |the )?(?:monthly |daily )?budget|max budget|higher (?:monthly )?(?:spend(?:ing)? )?limit|raise your spending limit|regain access on/,
    'spend_limit',
  ],
  [
    // Anthropic "Extra usage is required for long context requests": the plan must buy it; waiting does not help.
    /extra usage (?:is )?required|requires? extra usage|(?:enable|purchase|buy|turn on) extra usage/,
    'payment_required',
  ],
  [
    // Gemini's QuotaFailure "GenerateRequestsPerDayPerProjectPerModel-FreeTier" or "limit: 0" on a free-tier metric,
    // OpenRouter "free-models-per-day", Cohere's trial key "limited to 1000 API calls / month".
    // A quota of 0 ("limit: 0", google.rpc `quota_limit_value: "0"`) never clears by waiting.
    /free[ _-]?tier.*per ?day|per ?day.*free[ _-]?tier|\blimit: 0(?![.\d])|quota_limit_value" value: "0"|free-models-per-day|trial (?:has )?(?:ended|expired)|limited to [\d,]+ [\w ]{0,20}(?:\/|per) ?month/,
    'quota_long_reset',
  ],
];

// A provider asking for a wait this long is not throttling: the allowance is spent (Azure sends
// `retry after 86400 seconds` when a tier's daily quota is gone).
const LONG_RESET_MS = 3_600_000;

// An allowance per day (Anthropic "exceeded your daily rate limit", Bedrock "Too many tokens per day"): spent
// for the rest of the day unless the provider names a short wait (Groq's TPD says "try again in 9m38s").
const PER_DAY_LIMIT =
  /(?:tokens|requests|calls|queries|messages) per day|daily (?:rate |token |request |usage |spend(?:ing)? )?(?:limit|quota)|\b(?:tpd|rpd)\b|per[- ]?day (?:limit|quota)/;

/** Rule 1: money or a hard allowance, whatever the status (a 429 `insufficient_quota`, an Anthropic 400). */
export const billingRule: Rule = {
  name: 'billing',
  confidence: 'text_pattern',
  match(s, retryAfter) {
    for (const c of s.codes) {
      const reason = BILLING_CODES.get(c);
      if (reason) return withConfidence(verdict('billing_quota', reason), 'documented_code');
    }
    const reason = firstReason(s, BILLING_TEXT);
    if (reason) return verdict('billing_quota', reason);
    const longWait = retryAfter !== null && retryAfter >= LONG_RESET_MS;
    if ((retryAfter === null || longWait) && mentionsDays(s.text) && says(s, PER_DAY_LIMIT) && limited(s))
      return verdict('billing_quota', 'quota_long_reset');
    if (s.status === 402) return withConfidence(verdict('billing_quota', 'payment_required'), 'status_only');
    if (longWait && limited(s))
      return withConfidence(verdict('billing_quota', 'quota_long_reset'), 'status_only');
    return null;
  },
};

const QUOTA_WORDS = /quota|rate limit|too many|limit (?:reached|exceeded|has been)/;
const limited = (s: Signals) => s.status === 429 || says(s, QUOTA_WORDS) || hasCode(s, LONG_RESET_CODES);
// Cheaper than the pattern, and false for almost every error.
const mentionsDays = (text: string) =>
  text.includes('day') || text.includes('daily') || text.includes('tpd') || text.includes('rpd');
const LONG_RESET_CODES = new Set(['resource_exhausted', 'rate_limit_exceeded', 'throttlingexception']);
