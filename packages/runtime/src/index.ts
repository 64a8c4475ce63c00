// The producer side (queues, keys, Redis connections, Lua scripts, alert publishing) lives in
// @faultline/client so that an installed client needs no runtime; services import it from here as before.
export * from '@faultline/client';
export * from './alert-groups.ts';
export * from './classifier-rules.ts';
export * from './config.ts';
export * from './dotenv.ts';
export * from './egress.ts';
export * from './error-log.ts';
export * from './health-summary.ts';
export * from './listen.ts';
export * from './logger.ts';
export * from './metrics-counters.ts';
export * from './model-states.ts';
export * from './redis-policy.ts';
export * from './service-main.ts';
export * from './unknown-signatures.ts';
