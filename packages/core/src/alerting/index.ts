export * from './alert-body.ts';
export * from './fingerprint.ts';
export * from './notification.ts';
export * from './routing.ts';
