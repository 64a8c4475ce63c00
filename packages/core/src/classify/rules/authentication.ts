import type { Reason } from '../reasons.ts';
import { firstReason, hasCode, hasKind, type Rule, says, verdict, withConfidence } from '../rule.ts';
import { CONTENT_FILTER } from './request.ts';

const CREDENTIAL_CODES = new Map<string, Reason>([
  ['invalid_api_key', 'invalid_api_key'],
  ['api_key_invalid', 'invalid_api_key'],
  ['api_key_expired', 'invalid_api_key'],
  ['invalid_api_token', 'invalid_api_key'],
  ['authentication_error', 'invalid_api_key'],
  ['auth_error', 'invalid_api_key'],
  ['invalid_auth', 'invalid_api_key'],
  ['expired_key', 'invalid_api_key'],
  ['token_invalidated', 'invalid_api_key'],
  ['access_token_expired', 'invalid_api_key'],
  ['access_token_type_unsupported', 'invalid_api_key'],
  ['unauthenticated', 'invalid_api_key'],
  ['model_authentication', 'invalid_api_key'],
  // AWS: a wrong, expired or unsigned credential.
  ['unrecognizedclientexception', 'invalid_api_key'],
  ['invalidsignatureexception', 'invalid_api_key'],
  ['expiredtokenexception', 'invalid_api_key'],
  ['incompletesignatureexception', 'invalid_api_key'],
  ['missingauthenticationtokenexception', 'missing_api_key'],
  ['missing_api_key', 'missing_api_key'],
  ['credentials_missing', 'missing_api_key'],
  ['invalidclienttokenid', 'invalid_api_key'],
  ['signaturedoesnotmatch', 'invalid_api_key'],
  ['no_organization', 'permission_denied'],
  ['access_token_scope_insufficient', 'permission_denied'],
  ['api_key_service_blocked', 'permission_denied'],
  ['consumer_suspended', 'key_suspended'],
  ['account_deactivated', 'key_suspended'],
  ['organization_restricted', 'key_suspended'],
  ['service_disabled', 'api_not_enabled'],
  ['unsupported_country_region_territory', 'region_not_supported'],
]);

const CREDENTIAL_TEXT: [RegExp, Reason][] = [
  [
    /missing (?:an |the )?(?:api[ _-]?key|bearer|authentication|credentials|authorization)|api[ _-]?key (?:is )?(?:missing|required|not (?:set|provided|found|configured))|no api[ _-]?key|(?:didn't|did not) provide an api key|could not resolve authentication|x-api-key header is required|authorization header is (?:missing|required)|expected either apikey or authtoken|no (?:auth(?:entication)? )?credentials (?:found|provided)|unable to locate credentials|could not load (?:the )?(?:default )?credentials|credentials? (?:were |was |are |is )?not (?:found|provided|configured)|authentication (?:is )?required|api_key client option must be set|must provide an api key|_api_key (?:environment variable )?(?:is )?(?:missing|not set|empty)|missing [a-z_]*_api_key\b/,
    'missing_api_key',
  ],
  [
    // Ordered before suspension: Gemini says "has not been used in project … or it is disabled".
    /has not been used in project|api has not been (?:used|enabled)|service_disabled|api (?:is )?not enabled|enable it by visiting/,
    'api_not_enabled',
  ],
  [
    // xAI answers a bad key with 400 "Incorrect API key provided", Azure with "invalid subscription key", AWS with
    // "The security token included in the request is invalid", a LiteLLM proxy with "couldn't find a secret".
    /(?:invalid|incorrect|wrong|bad|malformed|unknown|expired|revoked) (?:x-)?api[ _-]?(?:key|token)|api[ _-]?(?:key|token)\b[^.\n]{0,40}\b(?:is|was|has been) (?:invalid|not valid|incorrect|expired|revoked|disabled|deleted)|api key not valid|api_key_invalid|invalid_api_key|authentication fails?|authentication failed|authentication error|invalid (?:bearer |access |auth(?:entication)? |proxy server |session |oauth |id )?token(?!s? ?(?:id|count|index))|(?:token|credentials?|key) (?:has |have )?(?:expired|been invalidated|been revoked)|invalid (?:authentication )?credentials|could not validate credentials|invalid auth(?:entication|orization)?\b|no such (?:user|organi[sz]ation)|user not found|unauthenticated|couldn't find a secret|secret .{0,40} not found|invalid subscription key|security token included in the request is (?:invalid|expired)|signature we calculated does not match|must be a member of an organization|reported as leaked|access token is (?:missing|invalid|expired)|bad credentials|invalid (?:username|user name|login) or password|only authori[sz]ed for use with|身份验证失败|鉴权失败|认证失败|token ?(?:非法|已过期|无效)|api[ _-]?key ?(?:无效|错误|不正确|非法)|无效的? ?(?:api[ _-]?key|令牌|token)/,
    'invalid_api_key',
  ],
  [
    /(?:key|account|organi[sz]ation|team|project|user|consumer|subscription)\b.{0,80}?\b(?:has been|have been|was|is|been) (?:suspended|deactivated|disabled|banned|revoked|blocked|restricted|terminated)|consumer_suspended/,
    'key_suspended',
  ],
  [
    /user location is not supported|country,? region,? or territory not supported|unsupported_country|not available in your (?:country|region|location|territory)|(?:region|country|location) is not supported|not supported in your (?:country|region)/,
    'region_not_supported',
  ],
  [
    // A LiteLLM virtual key scoped to other models: "key not allowed to access model. This key can only access …".
    /oauth authentication is (?:currently )?not allowed|\bkey (?:is )?not allowed to (?:access|use)|key can only access|not authorized to (?:use|access) this (?:api|endpoint|organization|resource|project)|insufficient permissions|missing scopes|insufficient (?:authentication )?scopes|doesn't allow unregistered callers/,
    'permission_denied',
  ],
];

/** Rule 2a: the credential itself (invalid, missing, expired, suspended, geo-blocked), however wrapped. */
export const credentialRule: Rule = {
  name: 'credential',
  confidence: 'text_pattern',
  match(s) {
    const reason = firstReason(s, CREDENTIAL_TEXT);
    if (reason) return verdict('authentication', reason);
    for (const c of s.codes) {
      const byCode = CREDENTIAL_CODES.get(c);
      if (byCode) return withConfidence(verdict('authentication', byCode), 'documented_code');
    }
    if (hasKind(s, CLIENT_CREDENTIAL_KINDS))
      return withConfidence(verdict('authentication', 'invalid_api_key'), 'documented_code');
    return null;
  },
};

/**
 * Rule 2c, after the model rule: a 401 (or the SDK class made from one) that names no cause is the key. After
 * the model rule because a 401 can be about a model the account may not use (Bedrock's OpenAI-compatible
 * endpoint: "<model> is not available for this account").
 */
export const unauthorizedRule: Rule = {
  name: 'unauthorized',
  confidence: 'status_only',
  match(s) {
    return s.status === 401 || s.kinds.has('authenticationerror')
      ? verdict('authentication', 'invalid_api_key')
      : null;
  },
};

// AWS, Google and Azure client libraries failing to find or refresh a credential, before any request.
const CLIENT_CREDENTIAL_KINDS = new Set([
  'nocredentialserror',
  'credentialsprovidererror',
  'defaultcredentialserror',
  'refresherror',
  'clientauthenticationerror',
  'credentialunavailableerror',
]);
const PERMISSION_CODES = new Set([
  'permission_error',
  'permission_denied',
  'permissiondenied',
  'iam_permission_denied',
  'accessdeniedexception',
  'forbidden',
  'request_forbidden',
]);
const PERMISSION_TEXT =
  /permission denied|access denied|\bforbidden\b|not authori[sz]ed|\bunauthori[sz]ed\b|permission '[^']+' denied|does not have permission/;

/**
 * Rule 2b, after the model rule: a 403 or "permission denied" is the caller not allowed in, unless it was
 * about a model (Bedrock "You don't have access to the model", rule 3) or about content (OpenRouter moderation).
 */
export const permissionRule: Rule = {
  name: 'permission',
  confidence: 'status_only',
  match(s) {
    if (says(s, CONTENT_FILTER)) return null;
    const v = verdict('authentication', 'permission_denied');
    if (hasCode(s, PERMISSION_CODES)) return withConfidence(v, 'documented_code');
    if (says(s, PERMISSION_TEXT)) return withConfidence(v, 'text_pattern');
    return s.status === 403 || hasKind(s, PERMISSION_KINDS) ? v : null;
  },
};

const PERMISSION_KINDS = new Set(['permissiondeniederror']);
