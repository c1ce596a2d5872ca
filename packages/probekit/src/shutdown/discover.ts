import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { DrainableServer } from './drain.js';

/** What `discoverServers()` adds servers to: a `Shutdown` or a `LifecycleShutdown`. */
export interface ServerSink {
  server(server: DrainableServer): unknown;
  readonly phase: string | undefined;
}

/** The message node:http publishes on `http.server.request.start` (node >= 18.? / 20). */
interface RequestStart {
  readonly request: IncomingMessage;
  readonly server: Server;
}

// NOTE: node:http publishes `http.server.request.start` before it emits 'request' (lib/_http_server.js
// parserOnIncoming), so the drain's prepended 'request' listener already sees the request that revealed the server.
const CHANNEL = 'http.server.request.start';

/**
 * Drains servers the app never handed over (Next.js `next start`, a framework's internal server):
 * each node:http or https server is added to `sink` the first time it receives a request, until
 * the shutdown starts. Returns a function that stops discovering.
 */
export function discoverServers(sink: ServerSink): () => void {
  if (sink === null || typeof sink !== 'object' || typeof sink.server !== 'function') {
    throw new TypeError(`Expected the argument of discoverServers() to be a shutdown (shutdownOn()), got \`${sink === null ? 'null' : typeof sink}\``);
  }
  const seen = new WeakSet<object>();
  const onRequest = (message: unknown): void => {
    const { server } = message as RequestStart;
    if (!server || seen.has(server) || sink.phase !== undefined) return;
    seen.add(server);
    sink.server(server);
  };
  subscribe(CHANNEL, onRequest);
  return () => {
    unsubscribe(CHANNEL, onRequest);
  };
}
