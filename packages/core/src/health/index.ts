export * from './aggregates.ts';
export * from './breaker.ts';
export * from './models-file.ts';
