export * from './config.ts';
export * from './dotenv.ts';
export * from './keys.ts';
export * from './logger.ts';
export * from './queues.ts';
export * from './redis.ts';
export * from './service-main.ts';
