export * from './alert-body.ts';
export * from './fingerprint.ts';
/** The group lifecycle's spec (the alerter's group scripts follow it): `groupLifecycle.record(...)`. */
export * as groupLifecycle from './group-lifecycle.ts';
export * from './group-notifications.ts';
export * from './key-scope.ts';
export * from './notification.ts';
export * from './resolution.ts';
export * from './routing.ts';
