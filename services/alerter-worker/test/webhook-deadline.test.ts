import { createServer, type Server } from 'node:http';
import { loadConfig } from '@faultline/runtime';
import { quotaNotification } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookChannel } from '../src/channels/webhook.ts';
import { AlerterConfig } from '../src/config.ts';

/** A receiver that answers at once, then sends its body one byte every 100 ms, for ever. */
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.url === '/ok' ? 200 : 500, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(drip));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('a receiver that drips its answer holds a delivery no longer than DELIVERY_TIMEOUT (S7)', () => {
  it.each([
    ['a 2xx whose body never ends', '/ok'],
    ['a 5xx whose body never ends', '/fail'],
  ])('%s', async (_name, path) => {
    const cfg = loadConfig(AlerterConfig, { WEBHOOK_URLS: `${url}${path}`, DELIVERY_TIMEOUT: '1s' });
    const started = Date.now();
    await webhookChannel(cfg, `${url}${path}`)
      .deliver(quotaNotification)
      .catch(() => undefined);
    // Each byte restarts undici's body timeout; only the overall deadline ends it.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
