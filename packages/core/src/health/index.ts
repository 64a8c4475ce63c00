export * from './aggregates.ts';
export * from './breaker.ts';
export * from './model-health.ts';
export * from './models-file.ts';
export * from './overall-status.ts';
export * from './status.ts';
export * from './storm.ts';
export * from './traffic.ts';
