import { once } from 'node:events';
import { connect, type AddressInfo, type NetConnectOpts } from 'node:net';
import type { DrainableServer } from './drain.js';

/** The name of the readiness check `shutdownOn()` adds for its servers. */
export const LISTENING_CHECK = 'listening';

/** A server as the check sees it: the server, and a way to see the connections it accepts. */
export interface WatchedServer {
  readonly server: DrainableServer;
  watchAccepts(watcher: (remotePort: number | undefined) => void): () => void;
}

/**
 * A readiness check that each server still accepts a loopback connection: a probe server on its own
 * port (or thread) keeps answering while the app's port is dead — the listener closed after an
 * error, or the process out of file descriptors (EMFILE) — so readiness must look at the app's port
 * itself. One TCP connection per server, closed once the server has accepted it: no request
 * reaches the app.
 */
export function listeningCheck(servers: () => readonly WatchedServer[]): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    const list = servers();
    await Promise.all(list.map((watched, i) => accepts(watched, list.length === 1 ? 'the server' : `server ${i + 1}`, signal)));
  };
}

async function accepts({ server, watchAccepts }: WatchedServer, label: string, signal: AbortSignal): Promise<void> {
  // Not listening yet (listen() resolves the host first, or is called after shutdownOn()): wait for it within the check's time.
  if (!server.listening) {
    try {
      await once(server, 'listening', { signal });
    } catch {
      throw new Error(`${label} is not listening`);
    }
  }
  let address: AddressInfo | string | null;
  try {
    address = server.address();
  } catch (error) {
    // The listening handle is gone under the server object (closed by an error): address() throws EBADF.
    throw new Error(`${label} has a broken listener: ${(error as Error).message}`, { cause: error });
  }
  if (address === null) throw new Error(`${label} is not listening`);
  const target = loopbackTarget(address);
  const where = describeTarget(target);
  // NOTE: the kernel completes a TCP handshake from the listen backlog before the app accepts it, so
  // "connected" alone would pass while the accept loop fails (EMFILE: libuv accepts and closes at
  // once). The check passes only when the server itself saw this connection.
  const seen = new Set<number | undefined>();
  let onSeen: (() => void) | undefined;
  const unwatch = watchAccepts((port) => {
    seen.add(port);
    onSeen?.();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(target);
      let connected = false;
      const done = (error?: Error): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => done(new Error(connected ? `${label} (${where}) took the connection but the server did not accept it in time` : `${label} (${where}) did not answer the connection in time`));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        connected = true;
        // A Unix socket has no port to recognise the connection by: connecting is all that can be seen.
        if (typeof target.port !== 'number') return done();
        const port = socket.localPort;
        onSeen = () => {
          if (seen.has(port)) done();
        };
        onSeen();
      });
      // Closed before the server saw it: the accept failed (out of file descriptors?).
      socket.once('close', () => done(new Error(`${label} (${where}) closed the connection without accepting it (out of file descriptors?)`)));
      socket.once('error', (error: NodeJS.ErrnoException) => done(new Error(`${label} (${where}) refused a loopback connection: ${error.code ?? error.message}`, { cause: error })));
      socket.resume();
    });
  } finally {
    unwatch();
  }
}

/** Where to connect to reach a server from inside its pod: the wildcard addresses mean loopback. */
export function loopbackTarget(address: AddressInfo | string): NetConnectOpts & { readonly port?: number } {
  if (typeof address === 'string') return { path: address };
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return { host, port: address.port };
}

function describeTarget(target: NetConnectOpts): string {
  if ('path' in target) return target.path;
  return target.host?.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
