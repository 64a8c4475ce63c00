export * from './generation-client.ts';
