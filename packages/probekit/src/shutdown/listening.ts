import { once } from 'node:events';
import { connect, type AddressInfo, type NetConnectOpts } from 'node:net';
import type { DrainableServer } from './drain.js';

/** The name of the readiness check `shutdownOn()` adds for its servers. */
export const LISTENING_CHECK = 'listening';

/**
 * A readiness check that each server still accepts a loopback connection: a probe server on its own
 * port (or thread) keeps answering while the app's port is dead — the listener closed after an
 * error, or the process is out of file descriptors (EMFILE) — so readiness must look at the app's
 * port itself. One TCP handshake per server, closed at once: no request reaches the app.
 */
export function listeningCheck(servers: () => readonly DrainableServer[]): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    const list = servers();
    await Promise.all(list.map((server, i) => accepts(server, list.length === 1 ? 'the server' : `server ${i + 1}`, signal)));
  };
}

async function accepts(server: DrainableServer, label: string, signal: AbortSignal): Promise<void> {
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
  await new Promise<void>((resolve, reject) => {
    const socket = connect(target);
    const onAbort = (): void => {
      socket.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      reject(new Error(`${label} (${describeTarget(target)}) refused a loopback connection: ${error.code ?? error.message}`, { cause: error }));
    });
  });
}

/** Where to connect to reach a server from inside its pod: the wildcard addresses mean loopback. */
export function loopbackTarget(address: AddressInfo | string): NetConnectOpts {
  if (typeof address === 'string') return { path: address };
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return { host, port: address.port };
}

function describeTarget(target: NetConnectOpts): string {
  if ('path' in target) return target.path;
  return target.host?.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
