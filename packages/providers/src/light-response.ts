import type { IncomingHttpHeaders } from 'node:http';

/**
 * The read-only `Headers` the SDKs use of a successful response (`get`, `has`, iteration), over
 * undici's header record as it arrived. Building a fetch `Headers` validates and re-sorts every
 * name and value through WebIDL; on a 2xx answer nothing needs that.
 */
class LightHeaders {
  readonly #values: Record<string, string>;
  constructor(raw: IncomingHttpHeaders) {
    const values: Record<string, string> = {};
    for (const k in raw) {
      const v = raw[k];
      if (v !== undefined) values[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    this.#values = values;
  }
  get(name: string): string | null {
    return this.#values[name.toLowerCase()] ?? null;
  }
  has(name: string): boolean {
    return name.toLowerCase() in this.#values;
  }
  forEach(fn: (value: string, name: string, parent: LightHeaders) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  entries(): IterableIterator<[string, string]> {
    return Object.entries(this.#values)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      [Symbol.iterator]();
  }
  keys(): IterableIterator<string> {
    return Object.keys(this.#values).sort()[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return [...this.entries()].map(([, v]) => v)[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * A successful, fully read answer in the shape of a fetch `Response`: what the SDKs read of it
 * (status, headers, json/text, clone, body). Error answers and streams stay real `Response`s, so
 * what an SDK error carries is exactly what fetch would have given.
 */
export class LightResponse {
  readonly ok = true;
  readonly redirected = false;
  readonly type = 'basic';
  readonly statusText = '';
  readonly headers: LightHeaders;
  #bodyUsed = false;
  constructor(
    readonly status: number,
    rawHeaders: IncomingHttpHeaders | LightHeaders,
    readonly url: string,
    private readonly bytes: Buffer,
  ) {
    this.headers = rawHeaders instanceof LightHeaders ? rawHeaders : new LightHeaders(rawHeaders);
  }
  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }
  /** Like fetch's: looking at `body` reads nothing (SDKs check it exists); reading it uses it up. */
  get body(): ReadableStream<Uint8Array> {
    // highWaterMark 0: the stream pulls only when read, not as soon as it exists.
    return new ReadableStream(
      {
        pull: (controller) => {
          controller.enqueue(new Uint8Array(this.take()));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
  }
  async text(): Promise<string> {
    return this.take().toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.take().toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  clone(): LightResponse {
    if (this.#bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return new LightResponse(this.status, this.headers, this.url, this.bytes);
  }
  private take(): Buffer {
    if (this.#bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#bodyUsed = true;
    return this.bytes;
  }
}
