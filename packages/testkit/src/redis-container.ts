import { freePort } from './free-port.ts';
import { pollUntil } from './poll-until.ts';
import { redisAnswers } from './redis-ping.ts';
import type { TestRedis } from './test-redis.ts';

/**
 * redis:7 through testcontainers, for machines without redis-server but with a Docker engine.
 * Resolves undefined when no engine answers. Testcontainers' reaper removes the container if this
 * process dies.
 */
export async function startRedisContainer(): Promise<TestRedis | undefined> {
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
  let client: Awaited<ReturnType<typeof getContainerRuntimeClient>>;
  try {
    client = await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  // A fixed host port: Docker gives a dynamic binding a new port when the container starts again.
  const port = await freePort();
  const started = await new GenericContainer('redis:7')
    .withExposedPorts({ container: 6379, host: port })
    .withCommand(['redis-server', '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''])
    .start();
  const host = started.getHost();
  const container = client.container.getById(started.getId());
  const answers = () =>
    pollUntil(`redis:7 container to answer PING on ${host}:${port}`, () => redisAnswers(host, port));
  await answers();

  const stop = () => client.container.stop(container, { timeout: 10_000 });
  const start = async () => {
    await client.container.start(container);
    await answers();
  };
  return {
    url: `redis://${host}:${port}`,
    port,
    external: false,
    dataDir: null,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await started.stop({ remove: true, removeVolumes: true });
    },
  };
}
