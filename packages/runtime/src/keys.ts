/**
 * Every Redis key Faultline owns, built from the queue prefix so that one hash tag (the default
 * prefix `{faultline}`) keeps them in one Redis Cluster slot beside the queues' own keys.
 */
export function redisKeys(prefix: string) {
  return {
    runSummary: (runId: string) => `${prefix}:run:${runId}`,
    runLatencies: (runId: string) => `${prefix}:run:${runId}:latency`,
    providerPause: (provider: string) => `${prefix}:pause:${provider}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
