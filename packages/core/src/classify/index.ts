export {
  type Classification,
  type ClassifyOptions,
  classifyError,
  type Explained,
  explainClassification,
  FALLBACK_RULE,
} from './classify-error.ts';
export * from './operator-rules.ts';
export { REASONS, type Reason } from './reasons.ts';
export { retryAfterMs } from './retry-after.ts';
export type { Rule, Verdict } from './rule.ts';
export type { Signals } from './signals.ts';
