/**
 * The SDK client, unchanged for its caller, with every call watched. Both SDKs (openai, Stainless'
 * @anthropic-ai/sdk) make calls through resource objects (`client.chat.completions`), each holding
 * `_client`, whose methods return an APIPromise: a Promise whose `responsePromise` settles when the
 * answer's status is known, before the body is parsed. Watching that promise on the side sees every
 * failure the SDK throws (APIError subclasses, connection errors, timeouts) without parsing a body
 * the caller may want raw (`asResponse()`), and the caller gets the very APIPromise the SDK made:
 * `withResponse()`, `asResponse()`, `_thenUnwrap` and pagination keep working.
 */

export interface CallInfo {
  /** The method's path from the client, e.g. `chat.completions.create`. */
  operation: string;
  /** The request's `model`, if it names one. */
  model: string | null;
  startedAt: number;
}

export interface CallWatcher {
  succeeded(call: CallInfo): void;
  failed(call: CallInfo, error: unknown): void;
}

interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse?: (client: unknown, props: unknown) => unknown;
}

const isObject = (v: unknown): v is object =>
  (typeof v === 'object' || typeof v === 'function') && v !== null;
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  isObject(v) && typeof (v as { then?: unknown }).then === 'function';
const isApiPromise = (v: unknown): v is ApiPromiseLike =>
  isThenable(v) && isThenable((v as { responsePromise?: unknown }).responsePromise);
/** A resource of either SDK: an APIResource holds the client it calls through. */
const isResource = (v: unknown): v is object => isObject(v) && '_client' in v && typeof v !== 'function';

/** The request's model: the first argument's `model` (create, stream) or a string id (models.retrieve). */
function modelOf(args: unknown[]): string | null {
  const first = args[0];
  if (isObject(first)) {
    const model = (first as { model?: unknown }).model;
    return typeof model === 'string' && model ? model : null;
  }
  return null;
}

/** The caller cancelled the call itself (its own AbortSignal): nothing the provider did. */
const isCallerAbort = (error: unknown) =>
  isObject(error) &&
  ((error as Error).name === 'APIUserAbortError' || (error as Error).name === 'AbortError');

/**
 * A stream's own iterator, wrapped: an error event mid-stream (the SDKs throw it from the iterator)
 * is reported as it reaches the caller. `tee()`, `toReadableStream()` and `for await` all read
 * through `iterator`.
 */
function watchStream(stream: object, call: CallInfo, watcher: CallWatcher): void {
  const s = stream as { iterator?: unknown; controller?: unknown };
  if (typeof s.iterator !== 'function' || !isObject(s.controller)) return;
  const iterator = s.iterator as () => AsyncIterator<unknown>;
  s.iterator = async function* watched() {
    try {
      const inner = iterator.call(stream);
      for (;;) {
        const step = await inner.next();
        if (step.done) return step.value;
        yield step.value;
      }
    } catch (error) {
      if (!isCallerAbort(error)) watcher.failed(call, error);
      throw error;
    }
  };
}

function watchResult(result: unknown, call: CallInfo, watcher: CallWatcher): void {
  if (isApiPromise(result)) {
    result.responsePromise.then(
      () => watcher.succeeded(call),
      (error: unknown) => {
        if (!isCallerAbort(error)) watcher.failed(call, error);
      },
    );
    // A streamed answer is parsed into a Stream; its errors come later, from its iterator.
    const parse = result.parseResponse;
    if (typeof parse === 'function')
      result.parseResponse = async function parsed(this: unknown, client: unknown, props: unknown) {
        const out = await parse.call(this, client, props);
        if (isObject(out)) watchStream(out, call, watcher);
        return out;
      };
    return;
  }
  // Any other promise a resource method returns (an SDK helper that polls, uploads, waits): watched
  // on the side, so the caller's own handling of it is untouched.
  if (isThenable(result))
    Promise.resolve(result).then(
      () => watcher.succeeded(call),
      (error: unknown) => {
        if (!isCallerAbort(error)) watcher.failed(call, error);
      },
    );
}

/**
 * `client` behind a Proxy: resources are proxied in turn (so `client.chat.completions.create` is
 * reached through two), and each method call is watched. Everything else (options, `baseURL`,
 * `withOptions`) is the client's own.
 */
export function watchClient<T extends object>(client: T, watcher: CallWatcher): T {
  const proxies = new WeakMap<object, object>();

  function proxy<O extends object>(target: O, path: string): O {
    const known = proxies.get(target);
    if (known) return known as O;
    const wrapped = new Proxy(target, {
      get(obj, prop) {
        // Getters run on the SDK's own object: its private fields (a WeakMap each) know no proxy.
        const value = Reflect.get(obj, prop);
        if (typeof prop !== 'string' || prop === 'constructor') return value;
        if (!prop.startsWith('_') && isResource(value)) return proxy(value, path ? `${path}.${prop}` : prop);
        if (typeof value !== 'function') return value;
        // The client's own methods (withOptions, post, request helpers) are not watched, but run on
        // the client itself for the same reason.
        if (!path || prop.startsWith('_'))
          return function unwatched(this: unknown, ...args: unknown[]) {
            return Reflect.apply(value, this === wrapped ? obj : this, args);
          };
        const operation = `${path}.${prop}`;
        return function watchedMethod(this: unknown, ...args: unknown[]) {
          const call: CallInfo = { operation, model: modelOf(args), startedAt: performance.now() };
          // `this` is the proxy when called as a method; the SDK's private fields live on the target.
          const result = Reflect.apply(value, this === wrapped ? obj : this, args);
          try {
            watchResult(result, call, watcher);
          } catch {
            // Watching must never change what the caller gets.
          }
          return result;
        };
      },
    });
    proxies.set(target, wrapped);
    return wrapped;
  }

  return proxy(client, '');
}
