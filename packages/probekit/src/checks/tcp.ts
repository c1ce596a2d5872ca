/** TCP readiness check: a connect to host:port, closed at once. */
import { connect } from 'node:net';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, abortReason, responseTime, wrapError } from './shared.js';

/** Options of `tcpCheck()`. */
export interface TcpCheckOptions {
  /** Host name or address to connect to. Required. */
  readonly host: string;
  /** Port to connect to. Required. */
  readonly port: number;
}

const KIND = 'tcp';

/**
 * A readiness check that opens a TCP connection and closes it as soon as it is established, as the
 * kubelet's tcpSocket probe does. Use it for a dependency without a client of its own.
 */
export function tcpCheck(options: TcpCheckOptions): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('tcpCheck() options', options, ['host', 'port']);
  const host = v.string('host', options.host);
  const port = options.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`Expected \`port\` to be an integer from 1 to 65535, got \`${v.describe(port)}\``);
  }

  const check = (signal: AbortSignal) =>
    new Promise<ReturnType<typeof responseTime>>((resolve, reject) => {
      const startedAt = performance.now();
      if (signal.aborted) return reject(new DependencyCheckError(KIND, abortReason(signal)));
      const socket = connect({ host, port });
      const onAbort = (): void => {
        socket.destroy();
        reject(new DependencyCheckError(KIND, `${abortReason(signal)} connecting to ${host}:${port}`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        // NOTE: destroy, not end: a half-closed socket lingers until the peer answers the FIN.
        socket.destroy();
        resolve(responseTime(startedAt, 'component'));
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(wrapError(KIND, error));
      });
    });

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}
