/**
 * Small `Headers` and `Response` classes for the bundled CLI (scripts/bundle-cli.mjs).
 *
 * In Node 20 the first touch of the global `Headers`, `Response` (even reading
 * `globalThis.Response`) loads undici: 24–35 ms and several MiB for a one-shot process that never
 * uses the global fetch. oauth4webapi reads both globals (`new Headers()` for every request,
 * `Response.prototype[Symbol.toStringTag]` in its instance checks), so the CLI bundle has esbuild
 * *inject* these two classes in place of the free identifiers `Headers` and `Response` in the
 * bundled code only. No global is replaced: the library (dist/index.js) and any other code in the
 * process keep the real ones.
 *
 * They implement what the CLI's code and oauth4webapi use, with the Fetch standard's rules for
 * it: header name and value validation (a name is a token, a value has no CR, LF or NUL and is
 * trimmed of HTTP whitespace), case-insensitive names, combined values (", "), sorted iteration
 * with `set-cookie` kept apart; a buffered body that can be read once (`bodyUsed`), `clone()`,
 * `text()`, `json()`, `arrayBuffer()`, a `body` stream made on demand; status 200–599 (RangeError
 * otherwise) and no body for 204/205/304. Both carry the `Symbol.toStringTag` of the real ones, so
 * oauth4webapi's loose instance checks accept them, and accept real ones in turn.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// HTTP whitespace: tab, LF, CR, space (Fetch §"HTTP whitespace"); a value may not contain NUL, CR or LF.
const EDGE_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const FORBIDDEN_VALUE = /[\0\r\n]/;

function headerName(name: unknown): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

function headerValue(value: unknown): string {
  const text = String(value).replace(EDGE_WS, '');
  if (FORBIDDEN_VALUE.test(text)) throw new TypeError('Headers: invalid header value');
  // Fetch: a header value is a byte sequence; anything above U+00FF cannot be one.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) throw new TypeError('Headers: invalid header value');
  return text;
}

type HeadersInitLike =
  Iterable<readonly [string, string]> | Record<string, string> | { forEach(cb: (value: string, key: string) => void): void };

function isHeadersLike(value: object): value is { forEach(cb: (value: string, key: string) => void): void } {
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === 'Headers' && typeof (value as { forEach?: unknown }).forEach === 'function';
}

export class Headers {
  readonly #map = new Map<string, string>();
  readonly #cookies: string[] = [];

  constructor(init?: HeadersInitLike | null) {
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError('Headers: the init must be an object');
    if (isHeadersLike(init)) {
      const cookies = (init as { getSetCookie?: () => string[] }).getSetCookie?.();
      init.forEach((value, key) => {
        if (cookies && key.toLowerCase() === 'set-cookie') return;
        this.append(key, value);
      });
      for (const cookie of cookies ?? []) this.append('set-cookie', cookie);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) {
        if (pair === null || typeof pair !== 'object' || [...pair].length !== 2)
          throw new TypeError('Headers: each header must be a [name, value] pair');
        this.append(pair[0], pair[1]);
      }
    } else {
      for (const key of Object.keys(init)) this.append(key, (init as Record<string, string>)[key]!);
    }
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const v = headerValue(value);
    if (key === 'set-cookie') {
      this.#cookies.push(v);
      return;
    }
    const prior = this.#map.get(key);
    this.#map.set(key, prior === undefined ? v : `${prior}, ${v}`);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    const v = headerValue(value);
    if (key === 'set-cookie') {
      this.#cookies.length = 0;
      this.#cookies.push(v);
      return;
    }
    this.#map.set(key, v);
  }

  get(name: string): string | null {
    const key = headerName(name);
    if (key === 'set-cookie') return this.#cookies.length > 0 ? this.#cookies.join(', ') : null;
    return this.#map.get(key) ?? null;
  }

  has(name: string): boolean {
    const key = headerName(name);
    return key === 'set-cookie' ? this.#cookies.length > 0 : this.#map.has(key);
  }

  delete(name: string): void {
    const key = headerName(name);
    if (key === 'set-cookie') this.#cookies.length = 0;
    else this.#map.delete(key);
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  /** Sorted by name, `set-cookie` once per cookie, as the Fetch standard iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#map.keys()];
    if (this.#cookies.length > 0) names.push('set-cookie');
    names.sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#map.get(name)!];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

type BodyLike = string | Uint8Array | ArrayBuffer | null | undefined;

export interface ResponseInitLike {
  status?: number;
  statusText?: string;
  headers?: HeadersInitLike;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export class Response {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly type = 'default';
  readonly url = '';
  readonly redirected = false;
  #bytes: Uint8Array | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(body?: BodyLike, init: ResponseInitLike = {}) {
    // WebIDL `unsigned short`, as the real constructor converts it (200.5 → 200, '201' → 201).
    const n = Number(init.status ?? 200);
    const status = Number.isFinite(n) ? ((Math.trunc(n) % 65536) + 65536) % 65536 : 0;
    if (status < 200 || status > 599) throw new RangeError(`Response: status ${status} is outside 200–599`);
    const statusText = init.statusText ?? '';
    if (/[^\t\x20-\x7e\x80-\xff]/.test(statusText)) throw new TypeError('Response: invalid statusText');
    this.status = status;
    this.statusText = statusText;
    this.headers = new Headers(init.headers);
    if (body === undefined || body === null) {
      this.#bytes = null;
      return;
    }
    if (NULL_BODY_STATUS.has(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
    if (typeof body === 'string') {
      this.#bytes = new TextEncoder().encode(body);
      if (!this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
    } else if (body instanceof ArrayBuffer) {
      this.#bytes = new Uint8Array(body.slice(0));
    } else if (ArrayBuffer.isView(body)) {
      this.#bytes = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    } else {
      throw new TypeError('Response: unsupported body type (string, ArrayBuffer or a typed array)');
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** A stream of the body, made on first access; reading it uses the body up. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream !== undefined) return this.#stream;
    if (this.#bytes === null) return (this.#stream = null);
    const bytes = this.#bytes;
    const consume = (): void => {
      this.#used = true;
    };
    this.#stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        consume();
        controller.enqueue(bytes);
        controller.close();
      },
      cancel() {
        consume();
      },
    });
    return this.#stream;
  }

  #take(): Uint8Array {
    // A null body reads as empty, any number of times (it is never "used").
    if (this.#bytes === null) return new Uint8Array(0);
    if (this.#used) throw new TypeError('Response: body has already been used');
    this.#used = true;
    return this.#bytes ?? new Uint8Array(0);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  clone(): Response {
    if (this.#used) throw new TypeError('Response: cannot clone a used body');
    return new Response(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers });
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}
