export * from './completion.ts';
export * from './provider-spec.ts';
export * from './registry.ts';
