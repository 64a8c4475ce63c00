export * from './alerting/index.ts';
export * from './classify/index.ts';
export * from './contracts/index.ts';
export * from './health/index.ts';
export * from './redact.ts';
export * from './retry-delay.ts';
export * from './run-summary.ts';
export * from './taxonomy.ts';
