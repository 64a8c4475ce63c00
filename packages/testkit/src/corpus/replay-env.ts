import { createServer, type Socket } from 'node:net';
import { freePort } from '../free-port.ts';
import { type ProviderSimulator, startProviderSimulator } from '../provider-simulator/server.ts';

/** What replays need, started once: each failure is real, from a real socket. */
export interface ReplayEnv {
  /** Serves any status, headers and body; its `reset` step resets the socket, its `hang` step never answers. */
  sim: ProviderSimulator;
  /** Reads the request, sends part of the status and headers, then closes: undici's "other side closed" (UND_ERR_SOCKET). */
  closesURL: string;
  /** A port nothing listens on (ECONNREFUSED), asked for just before use so no other server has taken it since. */
  closedPortURL(): Promise<string>;
  close(): Promise<void>;
}

export async function startReplayEnv(): Promise<ReplayEnv> {
  const sim = await startProviderSimulator({ record: false });
  const sockets = new Set<Socket>();
  const closes = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'));
  });
  await new Promise<void>((resolve) => closes.listen(0, '127.0.0.1', resolve));
  const { port } = closes.address() as { port: number };
  return {
    sim,
    closesURL: `http://127.0.0.1:${port}`,
    closedPortURL: async () => `http://127.0.0.1:${await freePort()}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([sim.close(), new Promise((resolve) => closes.close(resolve))]);
    },
  };
}
