import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** A server whose connections the shutdown drains. */
export type DrainableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** A request the server has not finished answering. */
export interface InFlightRequest {
  readonly method: string;
  readonly url: string;
  /** Clock ms when it arrived. */
  readonly since: number;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Tracks one server's connections and requests from the moment it is attached, so the shutdown can
 * stop accepting, close idle keep-alive connections at once, let in-flight responses finish with
 * `Connection: close`, send HTTP/2 GOAWAY, and destroy what is left when time is up.
 */
export class ServerDrain {
  readonly server: DrainableServer;
  readonly #now: () => number;
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #requests = new Map<AnyResponse, InFlightRequest & { readonly socket: Socket | undefined; readonly eventSource: boolean }>();
  readonly #acceptWatchers = new Set<(remotePort: number | undefined) => void>();
  #draining = false;
  #closed: Promise<void> | undefined;
  #detach: () => void;

  /** `lateListen` is told (with the address) when the server begins listening after `stopAccepting()`; it is closed at once. */
  constructor(server: DrainableServer, now: () => number, lateListen: (address: ReturnType<DrainableServer['address']>) => void = () => {}) {
    this.server = server;
    this.#now = now;
    // NOTE: a server that listens after the drain began (SIGTERM during `await db.connect()`, then
    // listen()) would serve until the exit cut its requests: it is refused at once instead.
    const onListening = (): void => {
      if (!this.#draining) return;
      const address = this.server.address();
      this.server.close();
      lateListen(address);
    };
    const onConnection = (socket: Socket): void => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      for (const watcher of this.#acceptWatchers) watcher(socket.remotePort);
    };
    const onSession = (session: ServerHttp2Session): void => {
      this.#sessions.add(session);
      // Stryker disable next-line ArrowFunction: only bounds memory: the set is only walked to close() or destroy() its sessions, and both return at once on a session that already emitted 'close' (destroyed)
      session.once('close', () => this.#sessions.delete(session));
      // A session opened after the drain started is told to go away at once.
      if (this.#draining) session.close();
    };
    const onRequest = (req: AnyRequest, res: AnyResponse): void => this.#track(req, res);
    const s = server as HttpServer;
    s.on('connection', onConnection);
    s.on('listening', onListening);
    s.on('session' as 'connection', onSession as unknown as (socket: Socket) => void);
    // NOTE: prepended so `Connection: close` is decided before the app's handler writes the head.
    s.prependListener('request', onRequest as (req: IncomingMessage, res: ServerResponse) => void);
    this.#detach = () => {
      s.off('connection', onConnection);
      s.off('listening', onListening);
      s.off('session' as 'connection', onSession as unknown as (socket: Socket) => void);
      s.off('request', onRequest as (req: IncomingMessage, res: ServerResponse) => void);
    };
  }

  /** Requests not answered yet, oldest first. */
  inFlight(): InFlightRequest[] {
    return [...this.#requests.values()].map(({ method, url, since }) => ({ method, url, since }));
  }

  /** Open connections known to the drain (TCP sockets). */
  get connections(): number {
    return this.#sockets.size;
  }

  /**
   * Ends every server-sent event stream in flight — a response already streaming to a request with
   * `Accept: text/event-stream` (what EventSource sends) or with a `Content-Type: text/event-stream`
   * set by `setHeader` — so the EventSource reconnects, through the load balancer, to another
   * replica. Returns how many were ended.
   */
  endEventStreams(): number {
    let ended = 0;
    for (const [res, request] of this.#requests) {
      if (!res.headersSent || res.writableEnded) continue;
      // NOTE: headers passed to writeHead() as an object are not readable back through getHeader(), hence the request's Accept too.
      const type = res.getHeader('content-type');
      if (request.eventSource || (typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream'))) {
        res.end();
        ended += 1;
      }
    }
    return ended;
  }

  /** Stops accepting, closes idle connections, marks in-flight responses `Connection: close`, sends GOAWAY. Resolves when every connection is closed. */
  stopAccepting(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#draining = true;
    this.#closed = new Promise<void>((resolve) => {
      // ERR_SERVER_NOT_RUNNING (never listened, or closed by the app) means there is nothing to wait for from the server itself.
      this.server.close(() => resolve());
    }).then(() => this.#socketsClosed());
    for (const [res] of this.#requests) markClose(res);
    const http1 = this.server as HttpServer;
    // NOTE: node >= 19 also does this inside close(); calling it keeps node 18-style servers (and https) right.
    // Stryker disable next-line ConditionalExpression: on the supported node (engines >= 20.19) the http and https close() just above already closed the idle connections (httpServerPreClose), so skipping this call changes nothing
    if (typeof http1.closeIdleConnections === 'function') http1.closeIdleConnections();
    for (const session of this.#sessions) session.close();
    return this.#closed;
  }

  /**
   * Resolves once every connection the drain saw has closed. close() counts only the connections
   * the server accepted itself: one handed to it with `server.emit('connection', socket)` (a
   * protocol-sniffing front, a TLS terminator in the process) would otherwise be cut by the exit.
   */
  async #socketsClosed(): Promise<void> {
    for (let socket = first(this.#sockets); socket; socket = first(this.#sockets)) {
      await new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    }
  }

  /** Destroys every connection and session still open. */
  destroy(): void {
    const http1 = this.server as HttpServer;
    if (typeof http1.closeAllConnections === 'function') http1.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Calls `watcher` with the peer port of every connection the server accepts from now until the returned function is called. */
  watchAccepts(watcher: (remotePort: number | undefined) => void): () => void {
    this.#acceptWatchers.add(watcher);
    return () => this.#acceptWatchers.delete(watcher);
  }

  /** Removes the listeners this drain added. */
  detach(): void {
    this.#detach();
  }

  #track(req: AnyRequest, res: AnyResponse): void {
    const socket = 'stream' in req ? undefined : (req.socket as Socket);
    const accept = req.headers.accept;
    const eventSource = typeof accept === 'string' && accept.includes('text/event-stream');
    this.#requests.set(res, { method: req.method ?? 'GET', url: req.url ?? '/', since: this.#now(), socket, eventSource });
    if (this.#draining) markClose(res);
    res.once('close', () => {
      this.#requests.delete(res);
      if (!this.#draining || !socket || socket.destroyed) return;
      // A response whose head went out with keep-alive before the drain: close its socket once it is done.
      for (const other of this.#requests.values()) if (other.socket === socket) return;
      socket.destroySoon();
    });
  }
}

function markClose(res: AnyResponse): void {
  // HTTP/1 only: an HTTP/2 stream has no Connection header; its session gets GOAWAY instead.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: node reads shouldKeepAlive only when it writes the head (_storeHeader sets Connection and _last from it), so setting it after the head went out, or on an Http2ServerResponse that has no such field, changes nothing
  if ('shouldKeepAlive' in res && !res.headersSent) res.shouldKeepAlive = false;
}

function first<T>(set: ReadonlySet<T>): T | undefined {
  for (const item of set) return item;
  return undefined;
}
