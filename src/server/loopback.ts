/**
 * The one-shot loopback listener of the desktop flow (RFC 8252 §7.3).
 *
 * - Binds to a loopback address only, never to all interfaces.
 * - Serves exactly one path with GET; other paths get 404, other methods 405, and a Host header
 *   that is not this listener's loopback host and port gets 421 (DNS-rebinding defence).
 * - Hands each callback to the flow and holds the browser's request open until the flow has
 *   decided, so the page the user sees tells the truth about the token exchange. The flow's
 *   outcome never waits on that page: one that cannot be delivered (a dead connection, a
 *   pipelined answer with nowhere to go) is given up after a short grace period.
 * - Closes the server and every socket when done, on timeout and on abort.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AdsOAuthError, type ErrorHint } from '../errors.js';
import { failurePage, plainPage, type Page } from './pages.js';

export interface LoopbackListenerOptions {
  /**
   * A registered redirect URI to serve exactly as registered (web clients). Its host must be
   * loopback; its port (80 when absent) and path are used as they are.
   */
  redirectUri?: string;
  /** Port for a listener without a registered URI (installed clients). 0 or absent: ephemeral. */
  port?: number;
}

/** What the flow answers for one callback. */
export type CallbackDecision<T> =
  /** Not this run's callback (wrong state…): answer with the page and keep waiting. */
  | { done: false; page: Page }
  /** The flow is over: answer with the page, close, and resolve with `value`. */
  | { done: true; page: Page; value: T };

export interface HandleOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The message of the TIMEOUT error. */
  timeoutMessage: string;
  /** The hints of the TIMEOUT error. */
  timeoutHints?: readonly ErrorHint[];
}

export interface LoopbackListener {
  /** The redirect URI to send, exactly. */
  readonly redirectUri: string;
  readonly port: number;
  /** The addresses bound, e.g. `['127.0.0.1']`. */
  readonly addresses: readonly string[];
  /**
   * Serves callbacks until `decide` says done, throws (its `AdsOAuthError` ends the flow with a
   * failure page), the timeout passes or the signal aborts. Always closes the listener.
   */
  handle<T>(decide: (callback: URL) => Promise<CallbackDecision<T>>, options: HandleOptions): Promise<T>;
  /** Closes the server and all its sockets. Idempotent. */
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function listenError(error: unknown, where: string, port: number | undefined, registered: string | undefined): AdsOAuthError {
  const code = (error as NodeJS.ErrnoException).code;
  const hints: ErrorHint[] = [];
  let fact: string;
  if (code === 'EADDRINUSE' && registered !== undefined) {
    // The port of a registered redirect URI is fixed: no other port can be chosen.
    fact = `Port ${port} of the registered redirect URI ${registered} is held by another program (perhaps another run of this command still waiting). Stop it and try again, or register another loopback redirect URI for this client.`;
    hints.push('headless');
  } else if (code === 'EADDRINUSE') {
    fact = port ? `Port ${port} is in use by another program: stop it, or use another port.` : 'The port is in use by another program.';
    if (port) hints.push('port');
  } else if (code === 'EACCES') {
    fact = `Binding port ${port ?? '?'} needs privileges. Register a redirect URI with a port above 1023 (for example http://127.0.0.1:8080).`;
    hints.push('headless');
  } else {
    fact = `(${code ?? (error as Error).message})`;
  }
  return new AdsOAuthError('LISTEN_FAILED', `Could not listen on ${where}. ${fact}`, {
    cause: error,
    details: { ...(code ? { reason: code } : {}), ...(port !== undefined ? { port } : {}), ...(registered ? { registered } : {}) },
    hints,
  });
}

const hostForUrl = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/** Starts the listener. The returned redirect URI is the one to put in the authorization request. */
export async function startLoopbackListener(options: LoopbackListenerOptions = {}): Promise<LoopbackListener> {
  let bindHosts: string[];
  let port: number;
  let redirect: URL | undefined;
  if (options.redirectUri !== undefined) {
    redirect = new URL(options.redirectUri);
    const host = redirect.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    bindHosts = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
    port = redirect.port === '' ? 80 : Number(redirect.port);
  } else {
    bindHosts = ['127.0.0.1'];
    port = options.port ?? 0;
  }

  const servers: Server[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const makeServer = (): Server => {
    const server = createServer({ requestTimeout: 60_000 }, (req, res) => {
      if (handler) handler(req, res);
      else send(res, plainPage(503, 'Not ready.'));
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('clientError', (error, socket) => answerClientError(error, socket));
    return server;
  };

  const bound: string[] = [];
  for (const host of bindHosts) {
    const server = makeServer();
    try {
      port = await listen(server, host, port);
      servers.push(server);
      bound.push(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const unavailable = code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
      if (redirect === undefined && host === '127.0.0.1' && unavailable) {
        // No IPv4 loopback on this machine: fall back to [::1] (RFC 8252 §8.3).
        bindHosts.push('::1');
        continue;
      }
      if (redirect !== undefined && host === '::1' && bound.length > 0 && unavailable) continue; // localhost: IPv4 is enough
      await Promise.all(servers.map((s) => closeServer(s)));
      throw listenError(error, `${hostForUrl(host)}:${port}`, port || options.port, options.redirectUri);
    }
  }
  const redirectUri = redirect !== undefined ? options.redirectUri! : `http://${hostForUrl(bound[0]!)}:${port}/`;
  const path = redirect?.pathname ?? '/';
  const hostNames = new Set([redirect?.hostname.toLowerCase() ?? hostForUrl(bound[0]!), '127.0.0.1', 'localhost', '[::1]']);
  const allowedHosts = new Set<string>();
  for (const name of hostNames) {
    allowedHosts.add(`${name}:${port}`);
    if (port === 80) allowedHosts.add(name);
  }

  let closed: Promise<void> | undefined;
  /** Settles a pending handle() when the listener is closed from outside. */
  let onClose: (() => void) | undefined;
  const close = (): Promise<void> => {
    // Assigned before the body runs, so a handle() settling from inside sees the same promise.
    closed ??= Promise.resolve().then(async () => {
      handler = undefined;
      onClose?.();
      await Promise.all(servers.map((s) => closeServer(s)));
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  };

  const handle = <T>(decide: (callback: URL) => Promise<CallbackDecision<T>>, opts: HandleOptions): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      // One run of the listener as a state machine:
      //   waiting  → a callback arrives → deciding (the flow validates and exchanges)
      //   deciding → not this run's callback → waiting (or, past the deadline, over: TIMEOUT)
      //   deciding → done or failed → over with that outcome: the page is sent on a best-effort
      //              basis, and the outcome never depends on it reaching the browser
      //   waiting  → timeout, abort or close → over
      // In every state but `waiting` further callbacks get 409.
      type State = 'waiting' | 'deciding' | 'over';
      let state: State = 'waiting';
      const deadline = Date.now() + opts.timeoutMs;
      const timeout = (): AdsOAuthError =>
        new AdsOAuthError('TIMEOUT', opts.timeoutMessage, {
          details: { timeoutMs: opts.timeoutMs, mode: 'loopback' },
          hints: opts.timeoutHints ?? [],
        });

      const end = (outcome: () => void, page?: { res: ServerResponse; page: Page }): void => {
        if (state === 'over') return;
        state = 'over';
        onClose = undefined;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const closeThen = (): void => void close().then(outcome, outcome);
        if (page) deliver(page.res, page.page).then(closeThen, closeThen);
        else closeThen();
      };
      const timer = setTimeout(() => {
        if (state === 'waiting') end(() => reject(timeout()));
        // deciding: an exchange is under way; let it finish (a done:false answer then ends it).
      }, opts.timeoutMs);
      const onAbort = (): void => {
        const reason = opts.signal?.reason;
        end(() => reject(reason instanceof AdsOAuthError ? reason : new AdsOAuthError('INTERRUPTED', 'Interrupted.')));
      };
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      onClose = () =>
        end(() => reject(new AdsOAuthError('INTERRUPTED', 'The loopback listener was closed before an authorization response arrived.')));
      if (closed) {
        onClose();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      handler = (req, res) => {
        const host = (req.headers.host ?? '').toLowerCase();
        if (!allowedHosts.has(host)) {
          send(res, plainPage(421, 'Misdirected request: this listener answers only on its loopback address.'));
          return;
        }
        // Match the path as sent, before any URL resolution: '//other.host/…', '/x/../' and
        // absolute-form targets must not resolve onto the redirect path.
        const target = req.url ?? '';
        const rawPath = target.split('?', 1)[0] ?? '';
        if (rawPath !== path) {
          send(res, plainPage(404, 'Not found.'));
          return;
        }
        let url: URL;
        try {
          url = new URL(target, `http://${host}`);
        } catch {
          send(res, plainPage(400, 'Bad request.'));
          return;
        }
        if (req.method !== 'GET') {
          send(res, plainPage(405, 'Method not allowed.', { Allow: 'GET' }));
          return;
        }
        if (state !== 'waiting') {
          send(res, failurePage(409, 'Already handled', 'This run is already finishing an authorization response.'));
          return;
        }
        state = 'deciding';
        decide(url).then(
          (decision) => {
            if (state !== 'deciding') return; // aborted or closed meanwhile: that outcome stands
            if (decision.done) {
              end(() => resolve(decision.value), { res, page: decision.page });
              return;
            }
            state = 'waiting';
            send(res, decision.page);
            if (Date.now() >= deadline) end(() => reject(timeout()));
          },
          (error: unknown) => {
            if (state !== 'deciding') return;
            const err =
              error instanceof AdsOAuthError
                ? error
                : new AdsOAuthError('INTERNAL', `Unexpected failure: ${(error as Error)?.message}`, { cause: error });
            end(() => reject(err), {
              res,
              page: failurePage(err.code === 'ACCESS_DENIED' ? 403 : 400, 'Authorization failed', err.message.split('\n')[0] ?? ''),
            });
          },
        );
      };
    });

  return { redirectUri, port, addresses: bound, handle, close };
}

function send(res: ServerResponse, page: Page, done?: () => void): void {
  if (res.headersSent || res.destroyed) {
    done?.();
    return;
  }
  res.writeHead(page.status, { ...page.headers, 'Content-Length': Buffer.byteLength(page.body) });
  res.end(page.body, done);
}

/**
 * A request Node's parser refused: answer it with a plain status (431 for oversized headers, 414
 * when the request line alone is too long, 408 for a request that timed out, 400 otherwise),
 * then close. The flow never sees it and keeps waiting for the genuine callback.
 */
function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: import('node:stream').Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  let status = 400;
  let text = 'Bad request.';
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    const packet = error.rawPacket;
    const lineTooLong = packet !== undefined && !packet.subarray(0, 16 * 1024).includes('\r\n');
    [status, text] = lineTooLong ? [414, 'URI too long.'] : [431, 'Request header fields too large.'];
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    [status, text] = [408, 'Request timeout.'];
  }
  const page = plainPage(status, text, { Connection: 'close' });
  const head = Object.entries({ ...page.headers, 'Content-Length': String(Buffer.byteLength(page.body)) })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${text.replace(/\.$/, '')}\r\n${head}\r\n\r\n${page.body}`);
  setTimeout(() => socket.destroy(), 1_000).unref(); // a peer that never reads must not hold the socket
}

/** How long the last page may take to reach the browser before the listener closes anyway. */
const DELIVERY_GRACE_MS = 1_000;

/**
 * Sends the flow's last page and resolves once it is written, the connection is gone, or
 * {@link DELIVERY_GRACE_MS} has passed: an answer queued behind a pipelined request on a dead
 * connection never finishes, and the flow must not wait for it.
 */
function deliver(res: ServerResponse, page: Page): Promise<void> {
  return new Promise((resolve) => {
    const grace = setTimeout(resolve, DELIVERY_GRACE_MS);
    const done = (): void => {
      clearTimeout(grace);
      resolve();
    };
    res.once('close', done);
    res.req.socket.once('close', done);
    send(res, page, done);
    if (res.req.socket.destroyed) done(); // its 'close' came and went: nothing will be written
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
