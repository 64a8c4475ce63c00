export * from './alert-event.ts';
export * from './alert-event-from.ts';
export * from './generation-job.ts';
export * from './json-schema.ts';
export * from './limits.ts';
export * from './validate.ts';
export * from './webhook-payload.ts';
