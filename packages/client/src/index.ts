export * from './alert-publisher.ts';
export * from './config-error.ts';
export * from './generation-client.ts';
export * from './keys.ts';
export * from './lua-script.ts';
export * from './model-health-store.ts';
export * from './queues.ts';
export * from './redis.ts';
