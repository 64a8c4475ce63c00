export * from './corpus/load.ts';
export * from './corpus/replay.ts';
export * from './free-port.ts';
export * from './provider-simulator/index.ts';
export * from './redis-server.ts';
