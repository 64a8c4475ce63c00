import type { Reason } from '../reasons.ts';
import { firstReason, hasCode, type Rule, says, verdict, withConfidence } from '../rule.ts';
import { INVALID_URL } from './request.ts';

const MODEL_TEXT: [RegExp, Reason][] = [
  [
    // Groq "has been decommissioned and is no longer supported", OpenAI "The model `text-davinci-003` has been deprecated".
    /decommissioned|deprecated and (?:is )?no longer|model[^.\n]{0,80}\b(?:(?:has been|was|is) (?:retired|deprecated|shut ?down|sunset|removed)|no longer (?:supported|available|served|accessible))|reached (?:its )?end of life/,
    'model_decommissioned',
  ],
  [
    // Azure DeploymentNotFound, Together `model_not_available` (non-serverless), Bedrock "on-demand throughput isn't
    // supported" (needs an inference profile id), OpenRouter "No endpoints found for <model>".
    /deploymentnotfound|deployment (?:for this resource )?does not exist|deployment[^.\n]{0,60} not found|non-serverless model|dedicated endpoint|model_not_available|not deployed|on-demand throughput isn.t supported|no endpoints found (?:for|matching)|no (?:allowed |available )?providers? (?:are |is )?available for (?:the |this )?(?:selected |requested |chosen )?model|model requires more (?:system |gpu )?memory|(?:not enough|insufficient) (?:system |gpu )?memory (?:to|for) (?:load|run)/,
    'model_not_deployed',
  ],
  [
    // Bedrock "You don't have access to the model with the specified model ID", OpenAI 403 "Project … does not
    // have access to model", Vertex "Project … is not allowed to use Publisher Model", OpenAI "Your organization
    // must be verified to stream this model", Groq "The model `…` is blocked at the project level".
    /(?:don't|do not|does not|doesn't) have access to (?:the |this )?model|model access is denied|not authorized to (?:access|invoke|use) (?:the |this )?model|access to (?:the |this )?model (?:is )?denied|not allowed to (?:sample from|use|access) (?:this |the )?(?:publisher )?model|not allowed to [\w ]{0,30}\b(?:this|the) model|unable to access model|must be verified to (?:use|stream|access) (?:the |this )?model|model\b[^.\n]{0,80}\bis blocked (?:at|for) (?:the |your )?(?:project|organi[sz]ation|org|account|team)\b|(?:^|\s)[\w-]+[./:][\w.:/@-]* is not available (?:for|to) (?:this|your) (?:account|organi[sz]ation|project|team|subscription)\b/m,
    'model_access_denied',
  ],
  [
    // Anthropic 404 says only "model: <id>"; Ollama "try pulling it first"; Bedrock "The provided model identifier
    // is invalid"; Mistral "Invalid model: …"; Gemini "models/x is not found for API version v1beta".
    /model(?:s\/| )[`'"]?[\w./:@-]*[`'"]? (?:is )?not found|model (?:not found|not exist|does not exist)|model_not_found|(?:the )?model [`'"]?[\w./:@-]+[`'"]? does not exist|no such model|unknown model|invalid model|model not exist|try pulling it first|publisher model .{0,160}(?:not found|was not found)|model .{0,80} is not (?:found|available)|could not find model|model identifier is invalid|not a valid model|could not resolve the foundation model|^model: [\w.:@/-]+$|does not work with the specified model/m,
    'model_not_found',
  ],
  [
    // Vertex "claude-sonnet-4-6 is not supported in the generateContent API", "countTokens is infeasible for …";
    // Groq "The model `whisper-large-v3` does not support chat completions", Ollama `"nomic-embed-text" does not
    // support chat` (a feature it lacks, "does not support tools", stays a bad request).
    /does not support (?:chat|completions?|generate|text generation|embeddings?)\b|is not supported (?:in|for|by) the (?:\w+ )?api|not supported for generatecontent|counttokens is infeasible|invocation of model id .{0,120} (?:isn.t|is not) supported|unsupported model|model .{0,60} is not supported|not a chat model|only supported in v1\/responses|(?:doesn't|does not) support on-demand throughput/,
    'model_not_supported',
  ],
];

// Validation messages that name no model id ("Model not available", "The requested model is not supported",
// pydantic "Value error, Model not found"), but not a feature refused "with the model" (a bad request). Not on a
// 5xx: "the model is not available right now" there is an outage.
const MODEL_VALIDATION: [RegExp, Reason][] = [
  [
    /(?:^|[:,] |(?<!\b(?:with|for|by|on|in|using) )\b(?:the|requested|selected|specified|given|provided|chosen) )model (?:is |was )?not found/m,
    'model_not_found',
  ],
  [
    /(?:^|[:,] |(?<!\b(?:with|for|by|on|in|using) )\b(?:the|requested|selected|specified|given|provided|chosen) )model (?:is |was )?not (?:available|supported|enabled|served|allowed)\b/m,
    'model_not_supported',
  ],
];

const MODEL_CODES = new Set([
  'model_not_found',
  'deploymentnotfound',
  'model_not_available',
  'model_decommissioned',
  'invalid_model',
  'unknown_model',
  'modelnotreadyexception',
  'resourcenotfoundexception',
  'operationnotsupported',
]);

/** Rule 3: the named model or deployment is unknown, retired, not enabled, or not served on this surface. */
export const modelRule: Rule = {
  name: 'model',
  confidence: 'text_pattern',
  match(s) {
    const reason = firstReason(s, MODEL_TEXT);
    if (reason) return verdict('model_error', reason);
    // Both validation patterns name "model": most texts do not, and the lookbehind is dear.
    const invalid =
      (s.status === null || s.status < 500) && s.text.includes('model')
        ? firstReason(s, MODEL_VALIDATION)
        : null;
    if (invalid) return verdict('model_error', invalid);
    if (hasCode(s, MODEL_CODES))
      return withConfidence(verdict('model_error', 'model_not_found'), 'documented_code');
    // vLLM and Ollama answer an unknown model with a 404 body lacking the `error` key, which the openai SDK
    // drops ("404 status code (no body)"): there, an empty 404 means the model.
    if (s.status === 404 && (s.emptyBody || s.codes.has('notfounderror')) && !says(s, INVALID_URL))
      return withConfidence(verdict('model_error', 'model_not_found'), 'status_only');
    return null;
  },
};
