/**
 * NATS readiness check for nats.js (v2): connection state, then a PING/PONG round trip (`rtt()`).
 * No runtime import of `nats`.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, raceAbort, responseTime } from './shared.js';

/** The part of a nats.js `NatsConnection` the check uses. */
export interface NatsConnectionLike {
  isClosed(): boolean;
  isDraining(): boolean;
  /** Sends a PING and resolves with the milliseconds until the PONG; rejects while disconnected. */
  rtt(): Promise<number>;
  getServer?(): string;
}

/** Options of `natsCheck()`. Currently none; the object is validated so typos are caught. */
export type NatsCheckOptions = Record<string, never>;

const KIND = 'nats';

/**
 * A readiness check on a NATS connection: fails at once while it is closed, draining or
 * disconnected (nats.js reconnects on its own), else measures one PING/PONG round trip. A PONG still
 * pending from an earlier run fails the run instead of sending another PING.
 */
export function natsCheck(connection: NatsConnectionLike, options: NatsCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('natsCheck() options', options, []);
  const c = connection as unknown as Record<string, unknown> | null;
  if (!c || typeof c !== 'object' || !['isClosed', 'isDraining', 'rtt'].every((m) => typeof c[m] === 'function')) {
    throw new TypeError(
      `Expected \`connection\` to be a nats.js NatsConnection (with isClosed(), isDraining(), rtt()), got \`${c === null || typeof c !== 'object' ? v.describe(c) : 'an object without them'}\``,
    );
  }
  let pending = false;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    if (connection.isClosed()) throw new DependencyCheckError(KIND, 'connection is closed');
    if (connection.isDraining()) throw new DependencyCheckError(KIND, 'connection is draining');
    if (pending) throw new DependencyCheckError(KIND, 'previous PING still pending on the connection');
    pending = true;
    const rtt = connection.rtt();
    const done = rtt.finally(() => (pending = false));
    done.catch(() => {});
    try {
      await raceAbort(KIND, signal, rtt);
    } catch (error) {
      // nats.js says only `DISCONNECT` while it reconnects.
      if (error instanceof DependencyCheckError && /^nats: DISCONNECT$/i.test(error.message)) {
        throw new DependencyCheckError(KIND, 'not connected (reconnecting)', { cause: error });
      }
      throw error;
    }
    return responseTime(startedAt, 'component', connection.getServer?.());
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}
