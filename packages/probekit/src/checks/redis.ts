/**
 * Redis readiness check for ioredis and node-redis (`redis` v4+): the client's own connection state,
 * then a PING on the user's client. No runtime import of either package.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, raceAbort, responseTime } from './shared.js';

/** The part of an ioredis client (or Cluster) the check uses. */
export interface IoRedisLike {
  /** `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `close`, `end`. */
  readonly status: string;
  ping(): Promise<unknown>;
}

/** The part of a node-redis client the check uses. */
export interface NodeRedisLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  ping(): Promise<unknown>;
  /** node-redis v5+: commands that honour an AbortSignal while still queued. */
  withAbortSignal?(signal: AbortSignal): { ping(): Promise<unknown> };
}

/** Options of `redisCheck()`. */
export interface RedisCheckOptions {
  /** The reply PING must return. @default 'PONG' */
  readonly expectedReply?: string;
}

export const redisCheckDefaults = { expectedReply: 'PONG' } satisfies Required<RedisCheckOptions>;

const KIND = 'redis';

/**
 * A readiness check that fails at once while the client is not connected (so no PING piles up in
 * the client's offline queue during an outage), and otherwise sends one PING. A PING still pending
 * from an earlier run (a partition on an open connection) fails the run instead of adding another.
 */
export function redisCheck(client: IoRedisLike | NodeRedisLike, options: RedisCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('redisCheck() options', options, ['expectedReply']);
  const expectedReply = v.string('expectedReply', options.expectedReply ?? redisCheckDefaults.expectedReply);
  const flavour = flavourOf(client);
  let pending: Promise<unknown> | undefined;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    if (flavour === 'ioredis') {
      const status = (client as IoRedisLike).status;
      if (status !== 'ready') throw new DependencyCheckError(KIND, `client is not connected (status: ${status})`);
    } else {
      const c = client as NodeRedisLike;
      if (!c.isReady) throw new DependencyCheckError(KIND, `client is not connected (${c.isOpen ? 'open, reconnecting' : 'closed'})`);
    }
    if (pending) throw new DependencyCheckError(KIND, 'previous PING still pending on the connection');
    const c = client as NodeRedisLike;
    const ping = flavour === 'node-redis' && typeof c.withAbortSignal === 'function' ? c.withAbortSignal(signal).ping() : client.ping();
    const tracked = ping.finally(() => {
      if (pending === tracked) pending = undefined;
    });
    tracked.catch(() => {});
    pending = tracked;
    const reply = await raceAbort(KIND, signal, ping);
    if (reply !== expectedReply) throw new DependencyCheckError(KIND, `PING answered ${JSON.stringify(reply)}, expected ${JSON.stringify(expectedReply)}`);
    return responseTime(startedAt, 'datastore');
  };

  return Object.freeze({ check, dependency: true, componentType: 'datastore' });
}

function flavourOf(client: unknown): 'ioredis' | 'node-redis' {
  const c = client as Record<string, unknown> | null | undefined;
  if (c && typeof c === 'object' && typeof c['ping'] === 'function') {
    if (typeof c['status'] === 'string') return 'ioredis';
    if (typeof c['isReady'] === 'boolean') return 'node-redis';
  }
  throw new TypeError(
    `Expected \`client\` to be an ioredis client (with \`status\` and \`ping()\`) or a node-redis client (with \`isReady\` and \`ping()\`), got \`${client === null || typeof client !== 'object' ? v.describe(client) : 'an object without them'}\``,
  );
}
