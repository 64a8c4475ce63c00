import type { Reason } from '../reasons.ts';
import { firstReason, hasCode, type Rule, says, verdict } from '../rule.ts';

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
    /credit balance is too low|insufficient[_ ](?:credits?|balance|funds)|not enough (?:credits|balance|funds)|out of credits|credits? (?:have been |has been )?(?:exhausted|depleted|used up)|no credits? (?:left|remaining)|negative credit balance|(?:doesn't|does not|don't|do not) have (?:any |enough )?credits|used all (?:of )?(?:your |its |the )?(?:available )?credits|requires? more credits|more credits are required|can only afford|(?:add|purchase|buy) (?:\d+ |more |some )?credits|top[ -]?up your|balance is (?:insufficient|too low|not enough)|outstanding balance|exhausted (?:your |all )?(?:credits|balance)/,
    'credit_balance_too_low',
  ],
  [
    /exceeded your current quota|insufficient[_ ]quota|quota (?:has been |is )?exhausted for (?:this )?(?:month|billing)/,
    'insufficient_quota',
  ],
  [
    // "adding a payment method" also appears in OpenAI's free-tier rate-limit text: only an update or a failure counts.
    /billing (?:is not active|not active|hard limit)|billing account[^.\n]{0,40}\b(?:disabled|closed|not found|absent|delinquent)|account is not active|check your (?:plan and )?billing details|update (?:your |the )?payment method|payment (?:required|is required|failed|declined|overdue)|past due|unpaid invoice|pay past invoices|requires billing to be enabled|enable billing/,
    'billing_not_active',
  ],
  [
    // Anthropic "You have reached your specified API usage limits", OpenRouter "Key limit exceeded" and "create a
    // key with a higher monthly limit", xAI "reached its monthly spending limit", LiteLLM "Budget has been exceeded".
    /(?:spend(?:ing)?|budget|usage|monthly|weekly|daily|key|credit) limits? (?:exceeded|reached|has been (?:exceeded|reached))|exceeded (?:your |the |its )?(?:spend(?:ing)?|budget|monthly|usage) (?:limit|cap)|(?:reached|hit) (?:your |its |the )?(?:specified |monthly |workspace |daily )*(?:api )?(?:spend(?:ing)?|usage|budget|credit) limits?|budget (?:has been )?exceeded|exceeded\w*budget|over budget|reached (?:your |its |the )?(?:monthly |daily )?budget|max budget|higher (?:monthly )?(?:spend(?:ing)? )?limit|raise your spending limit|regain access on/,
    'spend_limit',
  ],
  [
    // Gemini's QuotaFailure "GenerateRequestsPerDayPerProjectPerModel-FreeTier" or "limit: 0" on a free-tier metric,
    // OpenRouter "free-models-per-day", Cohere's trial key "limited to 1000 API calls / month".
    /free[ _-]?tier.*(?:per ?day|limit: 0\b)|per ?day.*free[ _-]?tier|free-models-per-day|trial (?:has )?(?:ended|expired)|limited to [\d,]+ [\w ]{0,20}(?:\/|per) ?month/,
    'quota_long_reset',
  ],
];

// A provider asking for a wait this long is not throttling: the allowance is spent (Azure sends
// `retry after 86400 seconds` when a tier's daily quota is gone).
const LONG_RESET_MS = 3_600_000;

/** Rule 1: money or a hard allowance, whatever the status (a 429 `insufficient_quota`, an Anthropic 400). */
export const billingRule: Rule = {
  name: 'billing',
  match(s, retryAfter) {
    for (const c of s.codes) {
      const reason = BILLING_CODES.get(c);
      if (reason) return verdict('billing_quota', reason);
    }
    const reason = firstReason(s, BILLING_TEXT);
    if (reason) return verdict('billing_quota', reason);
    if (s.status === 402) return verdict('billing_quota', 'payment_required');
    if (
      retryAfter !== null &&
      retryAfter >= LONG_RESET_MS &&
      (s.status === 429 || says(s, QUOTA_WORDS) || hasCode(s, LONG_RESET_CODES))
    )
      return verdict('billing_quota', 'quota_long_reset');
    return null;
  },
};

const QUOTA_WORDS = /quota|rate limit/;
const LONG_RESET_CODES = new Set(['resource_exhausted', 'rate_limit_exceeded', 'throttlingexception']);
