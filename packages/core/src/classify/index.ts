export { type ClassifyOptions, classifyError } from './classify-error.ts';
export { REASONS, type Reason } from './reasons.ts';
export { retryAfterMs } from './retry-after.ts';
