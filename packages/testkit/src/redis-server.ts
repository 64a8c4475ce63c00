import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface TestRedis {
  url: string;
  port: number;
  /** True when REDIS_URL pointed at a Redis this kit does not control (stop/start/restart then throw). */
  external: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const NO_REDIS_MESSAGE =
  'redis-server not found on PATH and no Docker engine: install Redis (Debian: apt-get install redis-server; ' +
  'macOS: brew install redis) or set REDIS_URL=redis://host:port';

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`redis-server: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const children = new Set<ChildProcess>();
// A test process that dies must not leave Redis servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A throw-away redis-server on a free port; AOF with fsync always, so stop() + start() keeps every write. */
async function startLocal(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'faultline-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    children.add(proc);
    proc.once('exit', () => {
      children.delete(proc);
      if (child === proc) child = undefined;
    });
    child = proc;
    await waitFor(`PONG on port ${port}`, () => ping(port));
  };
  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    external: false,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startContainer(): Promise<TestRedis | undefined> {
  try {
    const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    const container = await new GenericContainer('redis:7')
      .withExposedPorts(6379)
      .withCommand(['redis-server', '--appendonly', 'yes', '--appendfsync', 'always'])
      .start();
    const port = container.getMappedPort(6379);
    // A container keeps its data across restart(); separate stop/start would lose the mapped port.
    const unsupported = async () => {
      throw new Error('stop/start need a local redis-server; with testcontainers use restart()');
    };
    return {
      url: `redis://${container.getHost()}:${port}`,
      port,
      external: false,
      stop: unsupported,
      start: unsupported,
      restart: async () => {
        await container.restart();
      },
      close: async () => {
        await container.stop();
      },
    };
  } catch {
    return undefined;
  }
}

function external(url: string): TestRedis {
  const refuse = async () => {
    throw new Error(
      'this test stops and restarts Redis: unset REDIS_URL so the test kit starts its own redis-server',
    );
  };
  return {
    url,
    port: Number(new URL(url).port || 6379),
    external: true,
    stop: refuse,
    start: refuse,
    restart: refuse,
    close: async () => {},
  };
}

/** REDIS_URL if set; else a local redis-server; else testcontainers when a Docker engine answers. */
export async function startTestRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return external(process.env.REDIS_URL);
  if (onPath('redis-server')) return startLocal();
  const container = await startContainer();
  if (container) return container;
  throw new Error(NO_REDIS_MESSAGE);
}
