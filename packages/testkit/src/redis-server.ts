import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { killWithThisProcess, removeWithThisProcess } from './child-reaper.ts';
import { freePort } from './free-port.ts';
import { pollUntil } from './poll-until.ts';
import { startRedisContainer } from './redis-container.ts';
import { redisAnswers } from './redis-ping.ts';
import type { TestRedis } from './test-redis.ts';

export const NO_REDIS_MESSAGE =
  'redis-server not found on PATH and no Docker engine: install Redis (Debian: apt-get install redis-server; ' +
  'macOS: brew install redis) or set REDIS_URL=redis://host:port';

// A restart replays the AOF before answering PING: tens of MB take a while on a busy machine.
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;

/** The executable `command` in the first directory of `path` that has it, as a shell would find it. */
function findOnPath(command: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {}
  }
  return null;
}

/**
 * `always` (tests): fsync on every write, so stop() + start() loses nothing. `everysec`: what
 * infra/redis.conf deploys, for benchmarks that should see production's Redis.
 */
export type Fsync = 'always' | 'everysec';

/** PEM files of a TLS-only redis-server (no plain port). */
export interface TestRedisTls {
  cert: string;
  key: string;
  /** The CA that signed `cert`, and that client certificates must chain to when `authClients`. */
  ca: string;
  /** `tls-auth-clients`: true asks every client for a certificate (Redis's default), false does not. */
  authClients: boolean;
}

export interface TestRedisOptions {
  fsync?: Fsync;
  /**
   * An ACL file for redis-server (`aclfile`), e.g. infra/users.acl with passwords. The kit adds a user
   * of its own with every permission, and `url` signs in as it; tests build URLs of the file's users.
   */
  aclFile?: string;
  /** Serve TLS only: `url` is rediss://localhost:<port> (the certificate should name localhost). */
  tls?: TestRedisTls;
}

/** How the kit itself reaches a server it started: the user it added, and TLS. */
interface KitAccess {
  auth?: { user: string; password: string };
  tls?: TestRedisTls;
}

const KIT_USER = 'faultline-testkit';

function redisArgs(port: number, dir: string, fsync: Fsync, opts: TestRedisOptions): string[] {
  const listen = opts.tls
    ? [
        ...['--port', '0', '--tls-port', String(port)],
        ...['--tls-cert-file', opts.tls.cert, '--tls-key-file', opts.tls.key],
        ...['--tls-ca-cert-file', opts.tls.ca, '--tls-auth-clients', opts.tls.authClients ? 'yes' : 'no'],
      ]
    : ['--port', String(port)];
  return [
    ...listen,
    ...['--bind', '127.0.0.1', '--dir', dir],
    ...(opts.aclFile ? ['--aclfile', join(dir, 'users.acl')] : []),
    ...['--appendonly', 'yes', '--appendfsync', fsync, '--save', ''],
    ...['--daemonize', 'no', '--loglevel', 'warning'],
  ];
}

/**
 * True when the server answers PING to the kit: over TLS (the kit trusts its CA and shows its
 * certificate, which is one the CA signed) and signed in as the kit's user where there is an ACL.
 */
function kitAnswers(port: number, access: KitAccess): Promise<boolean> {
  if (!access.auth && !access.tls) return redisAnswers('127.0.0.1', port);
  return new Promise((resolve) => {
    const socket: Socket = access.tls
      ? tlsConnect({
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: readFileSync(access.tls.ca),
          cert: readFileSync(access.tls.cert),
          key: readFileSync(access.tls.key),
        })
      : new Socket();
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-')) done(false);
    });
    const send = () =>
      socket.write(`${access.auth ? `AUTH ${access.auth.user} ${access.auth.password}\r\n` : ''}PING\r\n`);
    if (access.tls) socket.once('secureConnect', send);
    else socket.connect(port, '127.0.0.1', send);
  });
}

/** Spawns redis-server and resolves once it answers PING; rejects with its log if it exits first. */
async function spawnRedis(
  bin: string,
  port: number,
  dir: string,
  fsync: Fsync,
  opts: TestRedisOptions,
  access: KitAccess,
): Promise<ChildProcess> {
  const child = spawn(bin, redisArgs(port, dir, fsync, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
  killWithThisProcess(child);
  let log = '';
  const keepTail = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-2000);
  };
  child.stdout!.on('data', keepTail);
  child.stderr!.on('data', keepTail);
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `redis-server on port ${port} exited (${signal ?? `code ${code}`}) before answering PING:\n${log}`;
  });
  child.once('error', (error) => {
    exit = `redis-server could not be started: ${error.message}`;
  });
  try {
    await pollUntil(
      `redis-server to answer PING on 127.0.0.1:${port}`,
      async () => {
        if (exit) throw new Error(exit);
        return kitAnswers(port, access);
      },
      { timeoutMs: STARTUP_TIMEOUT_MS },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // SIGTERM is Redis's orderly shutdown (the AOF is already fsynced); SIGKILL only if it hangs.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A throw-away redis-server on a free port whose data survives stop() + start(). */
async function startLocalRedis(bin: string, fsync: Fsync, opts: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-redis-'));
  const forgetDir = removeWithThisProcess(dir);
  const access: KitAccess = { ...(opts.tls ? { tls: opts.tls } : {}) };
  if (opts.aclFile) {
    // The file as given, plus the kit's own user: the given file's users are what a test checks.
    access.auth = { user: KIT_USER, password: randomBytes(16).toString('hex') };
    const acl = readFileSync(opts.aclFile, 'utf8').replace(/\n*$/, '\n');
    await writeFile(
      join(dir, 'users.acl'),
      `${acl}user ${KIT_USER} on >${access.auth.password} ~* &* +@all\n`,
    );
  }
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process can take the free port between asking for it and Redis binding it: try another.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(bin, port, dir, fsync, opts, access);
    } catch (error) {
      if (attempt < PORT_ATTEMPTS && /Address already in use/.test(String(error))) continue;
      await rm(dir, { recursive: true, force: true });
      forgetDir();
      throw error;
    }
  }

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running) await stopRedis(running);
  };
  const start = async () => {
    // A server that died on its own (killed from outside, crashed) is started again too.
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = await spawnRedis(bin, port, dir, fsync, opts, access);
  };
  const signIn = access.auth ? `${access.auth.user}:${access.auth.password}@` : '';
  return {
    url: opts.tls ? `rediss://${signIn}localhost:${port}` : `redis://${signIn}127.0.0.1:${port}`,
    port,
    external: false,
    dataDir: dir,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
      forgetDir();
    },
  };
}

function externalRedis(url: string): TestRedis {
  const refuse = async () => {
    throw new Error(
      `REDIS_URL is set (${url}): fault tests that stop and restart Redis need a locally started ` +
        'redis-server; unset REDIS_URL so the test kit starts its own',
    );
  };
  return {
    url,
    port: Number(new URL(url).port || 6379),
    external: true,
    dataDir: null,
    stop: refuse,
    start: refuse,
    restart: refuse,
    close: async () => {},
  };
}

/** Where startTestRedis looks; a test replaces them to reach the last resort on a machine that has Redis. */
export interface RedisSources {
  /** Read for REDIS_URL and for the PATH searched for redis-server. */
  env: NodeJS.ProcessEnv;
  /** A redis:7 container, or undefined when no Docker engine answers. */
  container(): Promise<TestRedis | undefined>;
}

const MACHINE: RedisSources = { env: process.env, container: startRedisContainer };

/**
 * REDIS_URL if set; else a local redis-server; else a redis:7 container when a Docker engine answers.
 * With an ACL file or TLS, always a local redis-server, which those options configure.
 */
export async function startTestRedis(
  opts: TestRedisOptions = {},
  sources: RedisSources = MACHINE,
): Promise<TestRedis> {
  if (opts.aclFile || opts.tls) {
    const bin = findOnPath('redis-server', sources.env.PATH);
    if (!bin) throw new Error(`an ACL file or TLS needs a local redis-server: ${NO_REDIS_MESSAGE}`);
    return startLocalRedis(bin, opts.fsync ?? 'always', opts);
  }
  const url = sources.env.REDIS_URL;
  if (url) return externalRedis(url);
  const bin = findOnPath('redis-server', sources.env.PATH);
  if (bin) return startLocalRedis(bin, opts.fsync ?? 'always');
  const container = await sources.container();
  if (container) return container;
  throw new Error(NO_REDIS_MESSAGE);
}

/** Why the tests that stop and restart Redis cannot run here, or null when they can. */
export function faultTestsSkipReason(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.REDIS_URL
    ? `tests that stop and restart Redis skipped: REDIS_URL is set (${env.REDIS_URL}), so the test kit starts ` +
        'no redis-server of its own to stop; unset REDIS_URL to run them'
    : null;
}
