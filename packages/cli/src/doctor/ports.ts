import { createServer } from 'node:net';
import { assertRedisReachable, LOCAL_REDIS_PORT, portError } from '@faultline/runtime';
import { type CheckLine, fail, ok } from './check.ts';

const TIMEOUT_MS = 2000;

export interface PortSetting {
  variable: string;
  hostVariable: string;
  host: string;
  port: number;
}

/** null when `host:port` can be listened on now, else why not. */
function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/** Which Faultline service answers GET /health on this port, by the fields its answer carries, or null. */
export async function faultlineServiceAt(host: string, port: number): Promise<string | null> {
  try {
    const shown = host.includes(':') ? `[${host}]` : host;
    const res = await fetch(`http://${shown}:${port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await res.json()) as Record<string, unknown>;
    if (!['ok', 'unavailable'].includes(String(body.status)) || typeof body.redis !== 'boolean') return null;
    if ('workers' in body) return 'alerter';
    if ('schedulers' in body) return 'health-probe worker';
    return 'ops service';
  } catch {
    return null;
  }
}

async function portLine(p: PortSetting, redis: boolean): Promise<CheckLine> {
  const name = `${p.variable} ${p.port}`;
  if (p.port === 0) return ok(name, 'any free port, chosen at start (logged)');
  const error = await tryListen(p.host, p.port);
  if (error === null) return ok(name, `free on ${p.host}`);
  // The words `faultline start` would fail with (a port needing root, a host not of this machine).
  if (error.code !== 'EADDRINUSE')
    return fail(name, portError(error, { ...p, setting: p.variable, hostSetting: p.hostVariable }).message);
  if (redis) {
    const answers = await assertRedisReachable(`redis://127.0.0.1:${p.port}`, TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    return answers
      ? ok(name, 'in use by a Redis (a running faultline start, which uses it)')
      : fail(
          name,
          `in use by something that is not Redis: set ${p.variable} to another port, or stop what holds it`,
        );
  }
  const service = await faultlineServiceAt(p.host, p.port);
  return service
    ? ok(name, `in use by a running Faultline ${service} (its /health answers)`)
    : fail(name, `in use on ${p.host}: set ${p.variable} to another port, or stop what holds it`);
}

/**
 * The ports the services listen on, and with REDIS_URL unset the one `faultline start` runs Redis
 * on: each free, or held by Faultline itself; two settings on one port are refused.
 */
export async function portLines(settings: PortSetting[], env: NodeJS.ProcessEnv): Promise<CheckLine[]> {
  const all = [...settings];
  if (!env.REDIS_URL)
    all.push({
      variable: 'FAULTLINE_REDIS_PORT',
      hostVariable: 'FAULTLINE_REDIS_PORT',
      host: '127.0.0.1',
      port: Number(env.FAULTLINE_REDIS_PORT || LOCAL_REDIS_PORT),
    });
  return Promise.all(
    all.map((p, i) => {
      const name = `${p.variable} ${p.port}`;
      if (!Number.isInteger(p.port) || p.port < 0 || p.port > 65535)
        return fail(name, `${p.variable} must be a port number`);
      const clash = all.findIndex((o) => o.port === p.port);
      if (p.port !== 0 && clash < i)
        return fail(name, `${all[clash]!.variable} is ${p.port} too: give each its own port`);
      return portLine(p, p.variable === 'FAULTLINE_REDIS_PORT');
    }),
  );
}
