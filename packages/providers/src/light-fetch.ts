import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { LightResponse } from './light-response.ts';

/**
 * The SDKs' transport. On Node 20 the global `fetch` costs about 500 µs of CPU per call (web
 * streams, Request/Response objects). Through undici's `request` an SDK call cost about 140 µs, and
 * through its `dispatch`, with the body gathered straight from the socket's chunks, about 105 µs:
 * no async resource, no Readable, no promise per chunk. The SDKs only need a `fetch`-shaped
 * function, so this one speaks `dispatch`.
 */
export const AGENT_OPTIONS = { keepAliveTimeout: 30_000, connections: 256 };
const directAgent = new Agent(AGENT_OPTIONS);

/** PROVIDER_RESPONSE_MAX_BYTES's default: far above any completion, far below a pod's memory. */
export const DEFAULT_RESPONSE_MAX_BYTES = 16 * 1_048_576;

/** What an answer over the cap becomes, for the SDK and then the classifier: its `error.code`. */
export const RESPONSE_TOO_LARGE = 'response_too_large';

/**
 * An answer over the cap, in the provider's place: its own status when that is an error (a 429 stays
 * a rate limit, its headers and retry-after kept), else 502, a server error, as a gateway that had to
 * give up on its upstream answers. The body read so far is dropped: a 2 GB error page (a misbehaving
 * gateway) would otherwise be gathered whole and OOM-kill the worker with every job in flight (B2).
 */
function tooLarge(status: number, headers: IncomingHttpHeaders, read: number, maxBytes: number): Response {
  return tooLargeResponse(status, fetchHeaders(headers), read, maxBytes);
}

export function tooLargeResponse(status: number, out: Headers, read: number, maxBytes: number): Response {
  for (const name of ['content-length', 'content-encoding', 'transfer-encoding']) out.delete(name);
  out.set('content-type', 'application/json');
  const message =
    `the provider's answer (HTTP ${status}) was over PROVIDER_RESPONSE_MAX_BYTES (${maxBytes} bytes; ` +
    `${read} bytes read): Faultline stopped reading it`;
  const body = JSON.stringify({ error: { message, type: RESPONSE_TOO_LARGE, code: RESPONSE_TOO_LARGE } });
  return new Response(body, { status: status >= 400 ? status : 502, headers: out });
}

/** Thrown into an event stream that went over the cap. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  readonly code = RESPONSE_TOO_LARGE;
}

/** What undici takes: a Headers as it is (it iterates pairs), pairs as a record (it reads arrays flat). */
function undiciHeaders(headers: RequestInit['headers']): Headers | Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return headers;
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

/** Origin and path of an absolute URL; the SDKs hand over normalised URLs, so no URL object is needed. */
function target(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

function fetchHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return headers;
}

/**
 * One exchange. A successful JSON answer, the hot path, is gathered whole into a LightResponse,
 * skipping fetch's WebIDL-checked Headers and Response; error answers become real `Response`s, so
 * what an SDK error carries is what fetch would have given; event streams stay streams, read only
 * as fast as the SDK reads them.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Set once the answer went over the cap: what still arrives is dropped. */
  #cut = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #stream: ReadableStreamDefaultController<Uint8Array> | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #abortReason: unknown = undefined;
  #settled = false;

  constructor(
    private readonly url: string,
    private readonly head: boolean,
    private readonly resolve: (res: Response) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | null,
    private readonly maxBytes: number,
  ) {
    if (signal) signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  #onAbort = () => {
    this.#abortReason = this.signal!.reason;
    // Before the request is on a socket there is no controller yet: onRequestStart aborts it then.
    this.#controller?.abort(this.#abortReason as Error);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason as Error);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#status = status;
    this.#headers = headers;
    const declared = Number(headers['content-length']);
    if (!this.head && Number.isFinite(declared) && declared > this.maxBytes) {
      this.#cutOff(controller);
      return;
    }
    if (!String(headers['content-type'] ?? '').includes('text/event-stream') || this.head) return;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (stream) => {
          this.#stream = stream;
        },
        pull: () => controller.resume(),
        cancel: (reason) => controller.abort(reason),
      },
      { highWaterMark: 0 },
    );
    this.#settle(new Response(body, { status, headers: fetchHeaders(headers) }));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // undici hands an empty chunk when a paused stream resumes; pausing on it again would stall the
    // stream for good (an endless event stream read slower than it is sent).
    if (this.#cut || chunk.length === 0) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) {
      this.#cutOff(controller);
      return;
    }
    if (!this.#stream) {
      this.#chunks.push(chunk);
      return;
    }
    this.#stream.enqueue(new Uint8Array(chunk));
    if ((this.#stream.desiredSize ?? 0) <= 0) controller.pause();
  }

  onResponseEnd(): void {
    this.#release();
    if (this.#cut) return;
    if (this.#stream) {
      this.#stream.close();
      return;
    }
    const status = this.#status;
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    if (status >= 200 && status < 300 && status !== 204 && !this.head) {
      this.#settle(new LightResponse(status, this.#headers, this.url, bytes) as unknown as Response);
      return;
    }
    const empty = status === 204 || status === 304 || this.head;
    this.#settle(new Response(empty ? null : bytes, { status, headers: fetchHeaders(this.#headers) }));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#release();
    if (this.#cut) return;
    if (this.#stream) this.#stream.error(error);
    else if (!this.#settled) {
      this.#settled = true;
      this.reject(error);
    }
  }

  /** Over the cap: the exchange ends here, as an error answer or a failed stream; the socket is dropped. */
  #cutOff(controller: Dispatcher.DispatchController): void {
    this.#cut = true;
    this.#chunks = [];
    const error = new ResponseTooLargeError(
      `the provider's event stream went over PROVIDER_RESPONSE_MAX_BYTES (${this.maxBytes} bytes)`,
    );
    if (this.#stream) this.#stream.error(error);
    else this.#settle(tooLarge(this.#status, this.#headers, this.#bytes, this.maxBytes));
    this.#release();
    controller.abort(error);
  }

  #settle(res: Response): void {
    this.#settled = true;
    this.resolve(res);
  }

  #release(): void {
    this.signal?.removeEventListener('abort', this.#onAbort);
  }
}

/** A `fetch` for the SDKs whose answers are cut off past `maxBytes` (PROVIDER_RESPONSE_MAX_BYTES). */
export function cappedFetch(maxBytes: number, dispatcher: Dispatcher = directAgent): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    lightFetch(input, init, maxBytes, dispatcher)) as typeof fetch;
}

export function lightFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  maxBytes = DEFAULT_RESPONSE_MAX_BYTES,
  dispatcher: Dispatcher = directAgent,
): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const signal = init.signal ?? null;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const method = (init.method ?? 'GET').toUpperCase();
  const { origin, path } = target(url);
  return new Promise<Response>((resolve, reject) => {
    dispatcher.dispatch(
      {
        origin,
        path,
        method: method as Dispatcher.HttpMethod,
        headers: undiciHeaders(init.headers),
        body: (init.body ?? null) as string | Buffer | null,
      },
      new ExchangeHandler(url, method === 'HEAD', resolve, reject, signal, maxBytes),
    );
  });
}
