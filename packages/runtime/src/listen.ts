import type { Server } from 'node:net';
import { ConfigError } from '@faultline/client/config-error';

export interface ListenTarget {
  port: number;
  host: string;
  /** The variable that chose the port (OPS_PORT, HEALTH_PORT…), named in the error. */
  setting: string;
  /** The variable that chose the host, named when the host is not an address of this machine. */
  hostSetting?: string;
}

/**
 * A port that cannot be had is a setting to fix, not a crash: a ConfigError (exit 3) whose message
 * names the port and its variable and says what to do, with no stack.
 */
export class PortUnavailableError extends ConfigError {
  constructor(variable: string, message: string) {
    super([{ variable, message }]);
    this.message = message;
  }
}

/**
 * Listens where a setting says. A port held by another program (or by a second `faultline
 * start`) rejects with a PortUnavailableError such as "port 9470 on 127.0.0.1 is in use (OPS_PORT);
 * stop what holds it or set OPS_PORT to a free port". Resolves with the port bound (0 picks one).
 */
export async function listenOn(server: Server, target: ListenTarget): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(portError(error, target));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(target.port, target.host);
  });
  return (server.address() as { port: number }).port;
}

export function portError(error: NodeJS.ErrnoException, target: ListenTarget): Error {
  const { port, host, setting } = target;
  if (error.code === 'EADDRINUSE')
    return new PortUnavailableError(
      setting,
      `port ${port} on ${host} is in use (${setting}); stop what holds it or set ${setting} to a free port`,
    );
  if (error.code === 'EACCES')
    return new PortUnavailableError(
      setting,
      `port ${port} needs privileges this user lacks (${setting}); set ${setting} to a port above 1023`,
    );
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    const variable = target.hostSetting ?? setting;
    return new PortUnavailableError(
      variable,
      `cannot listen on ${host} (${variable}): not an address of this machine; use 127.0.0.1 or one of its addresses`,
    );
  }
  return error;
}
