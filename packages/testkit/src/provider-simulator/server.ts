import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  anthropicMessage,
  anthropicMissingKey,
  anthropicModel,
  anthropicStreamDelta,
  anthropicStreamEnd,
  anthropicStreamError,
  anthropicStreamStart,
} from './anthropic-wire.ts';
import {
  OPENAI_DONE,
  openaiCompletion,
  openaiMissingKey,
  openaiModel,
  openaiStreamError,
  openaiStreamFrames,
} from './openai-wire.ts';
import { DEFAULT_TEXT, Scripts, type SimStep } from './script.ts';

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
  url: string;
  openaiBaseURL: string;
  anthropicBaseURL: string;
  script(model: string, steps: SimStep | SimStep[]): void;
  setDefault(step: SimStep): void;
  requests(model?: string): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

type Wire = 'openai' | 'anthropic';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify(body));
}

function sendRaw(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (typeof body === 'string') {
    res.writeHead(status, hasType ? headers : { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  } else if (body === undefined || body === null) {
    res.writeHead(status, headers);
    res.end();
  } else {
    sendJson(res, status, body, headers);
  }
}

function splitText(text: string): string[] {
  const words = text.split(/(?<= )/);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 2) pieces.push(words.slice(i, i + 2).join(''));
  return pieces.length ? pieces : [''];
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An HTTP server speaking the OpenAI chat-completions and Anthropic messages formats (streaming
 * included), scripted per model, so the real SDKs can be failed in every way a provider fails.
 */
export async function startProviderSimulator(
  opts: { port?: number; host?: string; record?: boolean } = {},
): Promise<ProviderSimulator> {
  const scripts = new Scripts();
  const recorded: RecordedRequest[] = [];
  const record = opts.record ?? true;
  const sockets = new Set<Socket>();

  async function answer(
    wire: Wire,
    step: SimStep,
    model: string,
    stream: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    switch (step.kind) {
      case 'hang':
        return;
      case 'reset':
        if (step.afterMs) await delay(step.afterMs);
        // An RST, not a FIN: the client sees ECONNRESET, as when a proxy or load balancer drops it.
        req.socket.resetAndDestroy();
        return;
      case 'http':
        if (step.delayMs) await delay(step.delayMs);
        sendRaw(res, step.status, step.body, step.headers);
        return;
      case 'success': {
        if (step.delayMs) await delay(step.delayMs);
        const text = step.text ?? DEFAULT_TEXT;
        const usage = step.usage ?? {
          inputTokens: 12,
          outputTokens: Math.max(1, Math.ceil(text.length / 4)),
        };
        if (!stream) {
          sendJson(
            res,
            200,
            wire === 'openai' ? openaiCompletion(model, text, usage) : anthropicMessage(model, text, usage),
          );
          return;
        }
        res.writeHead(200, SSE_HEADERS);
        if (wire === 'openai') {
          for (const frame of openaiStreamFrames(model, splitText(text))) res.write(frame);
          res.end(OPENAI_DONE);
        } else {
          for (const frame of anthropicStreamStart(model, usage.inputTokens)) res.write(frame);
          for (const piece of splitText(text)) res.write(anthropicStreamDelta(piece));
          for (const frame of anthropicStreamEnd(usage.outputTokens)) res.write(frame);
          res.end();
        }
        return;
      }
      case 'stream-error': {
        if (!stream) {
          sendJson(res, 500, step.error);
          return;
        }
        res.writeHead(200, SSE_HEADERS);
        const pieces = splitText(DEFAULT_TEXT).slice(0, step.afterChunks ?? 1);
        if (wire === 'openai') {
          const frames = openaiStreamFrames(model, pieces);
          for (const frame of frames.slice(0, -1)) res.write(frame);
          res.end(openaiStreamError(step.error));
        } else {
          for (const frame of anthropicStreamStart(model, 12)) res.write(frame);
          for (const piece of pieces) res.write(anthropicStreamDelta(piece));
          res.end(anthropicStreamError(step.error));
        }
        return;
      }
    }
  }

  async function control(path: string, req: IncomingMessage, res: ServerResponse) {
    if (path === '/__sim/script' && req.method === 'POST') {
      const { model, steps } = JSON.parse(await readBody(req)) as { model?: string; steps?: SimStep[] };
      if (!model || !steps) return sendJson(res, 400, { error: 'give { "model": "...", "steps": [...] }' });
      scripts.set(model, steps);
      return sendJson(res, 200, { ok: true });
    }
    if (path === '/__sim/reset' && req.method === 'POST') {
      scripts.reset();
      recorded.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (path === '/__sim/requests') return sendJson(res, 200, recorded);
    return sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/__sim/')) return control(path, req, res);
    const authorized = Boolean(req.headers.authorization || req.headers['x-api-key']);
    const raw = req.method === 'POST' ? await readBody(req) : '';
    const modelsMatch = /\/models(?:\/([^/]+))?$/.exec(path);
    const wire: Wire | null = path.endsWith('/chat/completions')
      ? 'openai'
      : path.endsWith('/messages')
        ? 'anthropic'
        : modelsMatch
          ? req.headers['anthropic-version']
            ? 'anthropic'
            : 'openai'
          : null;
    if (!wire)
      return sendJson(res, 404, {
        error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error' },
      });

    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, {
          error: { message: 'request body is not JSON', type: 'invalid_request_error' },
        });
      }
    }
    const model = modelsMatch
      ? modelsMatch[1]
        ? decodeURIComponent(modelsMatch[1])
        : null
      : typeof body.model === 'string'
        ? body.model
        : null;
    const stream = body.stream === true;
    if (record)
      recorded.push({ at: Date.now(), method: req.method ?? 'GET', path, model, stream, body, authorized });

    if (!authorized && !(model && scripts.has(model))) {
      return sendJson(res, 401, wire === 'openai' ? openaiMissingKey : anthropicMissingKey);
    }
    if (modelsMatch) {
      if (!model) {
        return sendJson(
          res,
          200,
          wire === 'openai'
            ? { object: 'list', data: [] }
            : { data: [], has_more: false, first_id: null, last_id: null },
        );
      }
      const step = scripts.next(model);
      // A lookup only needs the status: a scripted failure answers as scripted, anything else as the model.
      if (step.kind === 'success') {
        if (step.delayMs) await delay(step.delayMs);
        return sendJson(res, 200, wire === 'openai' ? openaiModel(model) : anthropicModel(model));
      }
      return answer(wire, step, model, false, req, res);
    }
    return answer(wire, scripts.next(model ?? ''), model ?? '', stream, req, res);
  }

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: `simulator failure: ${(error as Error).message}` } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    script: (model, steps) => scripts.set(model, steps),
    setDefault: (step) => scripts.setDefault(step),
    requests: (model) => (model === undefined ? [...recorded] : recorded.filter((r) => r.model === model)),
    reset: () => {
      scripts.reset();
      recorded.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests would keep close() waiting forever.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
