export * from './alert-event.ts';
export * from './generation-job.ts';
export * from './json-schema.ts';
export * from './validate.ts';
