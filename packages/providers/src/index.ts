export * from './completion.ts';
export { DEFAULT_RESPONSE_MAX_BYTES, RESPONSE_TOO_LARGE } from './light-fetch.ts';
export * from './provider-spec.ts';
export * from './registry.ts';
