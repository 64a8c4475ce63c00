/** A Redis for one test file: a local redis-server, a container, or REDIS_URL's. */
export interface TestRedis {
  url: string;
  port: number;
  /** True when REDIS_URL pointed at a Redis this kit does not control (stop/start/restart then throw). */
  external: boolean;
  /** The data directory of a local redis-server (removed by close()); null for REDIS_URL or a container. */
  dataDir: string | null;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}
