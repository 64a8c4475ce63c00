import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerStep, errorBody, requestIdHeader, type Wire } from './answer.ts';
import { anthropicMissingKey, anthropicModel, anthropicModelList } from './anthropic-wire.ts';
import { handleControl } from './control-api.ts';
import { openaiMissingKey, openaiModel, openaiModelList } from './openai-wire.ts';
import { delay, readBody, sendJson } from './replies.ts';
import { Scripts, type SimStep } from './script.ts';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  model: string | null;
  stream: boolean;
  body: unknown;
  /** Whether a key was sent; the key itself is never kept. */
  authorized: boolean;
}

export interface ProviderSimulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/v1`: what OPENAI_BASE_URL / the OpenAI SDK's baseURL is set to. */
  openaiBaseURL: string;
  /** `url`: the Anthropic SDK appends /v1/messages itself. */
  anthropicBaseURL: string;
  script(model: string, steps: SimStep | SimStep[]): void;
  setDefault(step: SimStep): void;
  requests(model?: string): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Keep requests for requests(); benchmarks turn it off. Default true. */
  record?: boolean;
}

/** Beyond this many recorded requests the oldest half is dropped, so a long benchmark cannot exhaust memory. */
const RECORD_LIMIT = 100_000;

type Route = { wire: Wire; models: false } | { wire: Wire; models: true; id: string | null };

const MODELS_PATH = /\/models(?:\/([^/]+))?$/;

function routeOf(method: string, path: string, req: IncomingMessage): Route | null {
  if (method === 'POST' && path.endsWith('/chat/completions')) return { wire: 'openai', models: false };
  if (method === 'POST' && path.endsWith('/messages')) return { wire: 'anthropic', models: false };
  const models = method === 'GET' ? MODELS_PATH.exec(path) : null;
  if (!models) return null;
  // Both providers serve GET /v1/models; Anthropic's SDK always sends anthropic-version.
  const wire = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
  return { wire, models: true, id: models[1] ? decodeURIComponent(models[1]) : null };
}

/**
 * An HTTP server speaking the OpenAI chat-completions and Anthropic messages formats (streaming
 * included), scripted per model, so the real SDKs can be failed in every way a provider fails.
 */
export async function startProviderSimulator(opts: SimulatorOptions = {}): Promise<ProviderSimulator> {
  const scripts = new Scripts();
  let recorded: RecordedRequest[] = [];
  const record = opts.record ?? true;
  const sockets = new Set<Socket>();
  const reset = () => {
    scripts.reset();
    recorded = [];
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path.startsWith('/__sim/'))
      return handleControl(path, req, res, { scripts, reset, requests: () => recorded });

    const route = routeOf(method, path, req);
    if (!route) {
      return sendJson(res, 404, {
        error: {
          message: `Invalid URL (${method} ${path})`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    const { wire } = route;
    let body: Record<string, unknown> = {};
    if (!route.models) {
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return sendJson(
          res,
          400,
          errorBody(wire, { type: 'invalid_request_error', message: 'The request body is not valid JSON.' }),
        );
      }
    }
    const model = route.models ? route.id : typeof body.model === 'string' ? body.model : null;
    const stream = body.stream === true;
    const authorized = Boolean(req.headers.authorization || req.headers['x-api-key']);
    if (record) {
      if (recorded.length >= RECORD_LIMIT) recorded = recorded.slice(RECORD_LIMIT / 2);
      recorded.push({
        at: Date.now(),
        method,
        path,
        model,
        stream,
        body: route.models ? null : body,
        authorized,
      });
    }

    // A missing key gets the provider's own 401, unless the test scripted this model otherwise.
    if (!authorized && !(model !== null && scripts.has(model))) {
      return sendJson(
        res,
        401,
        wire === 'openai' ? openaiMissingKey : anthropicMissingKey,
        requestIdHeader(wire),
      );
    }
    if (route.models && model === null) {
      const known = scripts.models();
      return sendJson(res, 200, wire === 'openai' ? openaiModelList(known) : anthropicModelList(known));
    }
    const step = scripts.next(model ?? '');
    if (route.models && step.kind === 'success') {
      // A lookup only needs the status: a scripted failure answers as scripted, anything else as the model.
      if (step.delayMs) await delay(step.delayMs);
      return sendJson(
        res,
        200,
        wire === 'openai' ? openaiModel(model!) : anthropicModel(model!),
        requestIdHeader(wire),
      );
    }
    const options = body.stream_options as { include_usage?: unknown } | undefined;
    return answerStep(step, {
      wire,
      model: model ?? '',
      stream: stream && !route.models,
      includeUsage: options?.include_usage === true,
      req,
      res,
    });
  }

  const host = opts.host ?? '127.0.0.1';
  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      if (res.headersSent) res.destroy();
      else
        sendJson(res, 500, {
          error: { message: `simulator failure: ${error.message}`, type: 'simulator_error' },
        });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  // A wildcard bind is reached through loopback.
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    script: (model, steps) => scripts.set(model, steps),
    setDefault: (step) => scripts.setDefault(step),
    requests: (model) => (model === undefined ? [...recorded] : recorded.filter((r) => r.model === model)),
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests and idle keep-alive sockets would keep close() waiting forever.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
