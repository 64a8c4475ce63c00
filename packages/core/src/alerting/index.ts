export * from './alert-body.ts';
export * from './fingerprint.ts';
export * from './group-notifications.ts';
export * from './key-scope.ts';
export * from './notification.ts';
export * from './resolution.ts';
export * from './routing.ts';
