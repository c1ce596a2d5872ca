/**
 * memcached readiness check for `memjs`: one STATS round trip to every server of the user's client.
 * No runtime import of `memjs`.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, assertClient, raceAbort, responseTime } from './shared.js';

/** The part of a `memjs` Client the check uses. */
export interface MemjsClientLike {
  readonly servers: readonly unknown[];
  /** memjs calls `callback` once per server, with that server's `host:port`. */
  stats(callback?: (error: Error | null, server: string, stats: Record<string, string> | null) => void): void;
}

/** Options of `memcachedCheck()`. */
export interface MemcachedCheckOptions {
  /** Pass while at least this many servers answer (a client hashes keys over all of them). @default every server */
  readonly minServers?: number;
  /**
   * How long an unanswered STATS blocks the next runs before it is taken as lost and a new one is
   * sent. memjs never answers a request whose connection the server closed. @default 5000
   */
  readonly lostAfterMs?: number;
}

export const memcachedCheckDefaults = { lostAfterMs: 5000 } satisfies Required<Omit<MemcachedCheckOptions, 'minServers'>>;

const KIND = 'memcached';

/**
 * A readiness check that sends STATS to every server of a memjs client and fails unless enough of
 * them answer. memjs takes no AbortSignal (its own `timeout` option, 0.5 s by default, bounds each
 * request): while an earlier round trip is unanswered (for at most `lostAfterMs`) the next run
 * fails at once instead of adding another.
 */
export function memcachedCheck(client: MemjsClientLike, options: MemcachedCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('memcachedCheck() options', options, ['minServers', 'lostAfterMs']);
  const lostAfterMs = v.positiveInteger('lostAfterMs', options.lostAfterMs ?? memcachedCheckDefaults.lostAfterMs);
  assertClient('client', client, ['stats'], 'a memjs Client');
  if (!Array.isArray(client.servers)) throw new TypeError(`Expected \`client\` to be a memjs Client, got \`an object without \`servers\`\``);
  const total = client.servers.length;
  const minServers = options.minServers === undefined ? total : v.positiveInteger('minServers', options.minServers);
  if (minServers > total) throw new TypeError(`Expected \`minServers\` to be at most the client's ${total} servers, got \`${minServers}\``);
  let pending: Promise<unknown> | undefined;
  let pendingSince = 0;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    // NOTE: memjs 1.3 drops the socket on 'close' without calling the pending requests' callbacks
    // (lib/memjs/server.js, Server.prototype.sock), so a STATS can stay unanswered for ever.
    if (pending && startedAt - pendingSince < lostAfterMs) throw new DependencyCheckError(KIND, 'previous STATS still pending');
    const round = new Promise<{ answered: string[]; failed: string[] }>((resolve) => {
      const answered: string[] = [];
      const failed: string[] = [];
      client.stats((error, server) => {
        if (error) failed.push(`${server} ${error.message}`);
        else answered.push(server);
        if (answered.length + failed.length === total) resolve({ answered, failed });
      });
    });
    const tracked = round.finally(() => {
      if (pending === tracked) pending = undefined;
    });
    pending = tracked;
    pendingSince = startedAt;
    const { answered, failed } = await raceAbort(KIND, signal, round);
    if (answered.length < minServers) {
      throw new DependencyCheckError(KIND, `${answered.length} of ${total} servers answered (minServers ${minServers}): ${failed.join('; ')}`);
    }
    return responseTime(startedAt, 'datastore', failed.length === 0 ? `${total} of ${total} servers answered` : `${answered.length} of ${total} servers answered; ${failed.join('; ')}`);
  };

  return Object.freeze({ check, dependency: true, componentType: 'datastore' });
}
