/**
 * MySQL / MariaDB readiness check for a `mysql2` pool (promise or callback API): one round trip on
 * a pooled connection. No runtime import of `mysql2`.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, assertClient, raceAbort, responseTime, wrapError } from './shared.js';

/** A connection checked out of a `mysql2/promise` pool. */
export interface MysqlPoolConnection {
  query(sql: string): Promise<unknown>;
  release(): void;
  /** Closes the socket at once and removes the connection from its pool. */
  destroy(): void;
}

/** The part of a `mysql2/promise` pool the check uses. */
export interface MysqlPromisePool {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** A callback-API `mysql2` pool: the check uses its `promise()` face. */
export interface MysqlCallbackPool {
  promise(): MysqlPromisePool;
}

/** Options of `mysqlCheck()`. */
export interface MysqlCheckOptions {
  /** The statement to run. Keep it trivial: it runs every interval on every replica. @default 'SELECT 1' */
  readonly query?: string;
}

export const mysqlCheckDefaults = { query: 'SELECT 1' } satisfies Required<MysqlCheckOptions>;

const KIND = 'mysql';

/**
 * A readiness check that checks a connection out of the user's pool, runs `SELECT 1` and returns
 * it. On abort the connection is destroyed (it is mid-query, in an unknown state), never returned.
 */
export function mysqlCheck(pool: MysqlPromisePool | MysqlCallbackPool, options: MysqlCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('mysqlCheck() options', options, ['query']);
  const query = v.string('query', options.query ?? mysqlCheckDefaults.query);
  const p = promisePool(pool);

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    const output = saturation(p);
    const getting = p.getConnection();
    const connection = await raceAbort(KIND, signal, getting, () => {
      getting.then((c) => c.release(), () => {});
    });
    let destroyed = false;
    const destroy = (): void => {
      if (destroyed) return;
      destroyed = true;
      connection.destroy();
    };
    try {
      await raceAbort(KIND, signal, connection.query(query), destroy);
    } catch (error) {
      // A failed connection may be broken; the pool opens a fresh one when needed.
      destroy();
      throw error instanceof DependencyCheckError ? error : wrapError(KIND, error);
    }
    connection.release();
    return responseTime(startedAt, 'datastore', output);
  };

  return Object.freeze({ check, dependency: true, componentType: 'datastore' });
}

function promisePool(pool: unknown): MysqlPromisePool {
  const p = pool as Partial<MysqlCallbackPool & MysqlPromisePool> | null | undefined;
  // The callback pool's getConnection() takes a callback; its promise() face returns promises.
  if (p && typeof p === 'object' && typeof p.promise === 'function' && !('pool' in p)) return p.promise();
  assertClient('pool', pool, ['getConnection'], 'a mysql2 pool');
  return pool as MysqlPromisePool;
}

/** Best effort: mysql2 keeps its counts in underscore fields of the core pool. */
function saturation(pool: MysqlPromisePool): string | undefined {
  const core = ((pool as { pool?: unknown }).pool ?? pool) as Record<string, { length?: unknown } | undefined>;
  const all = core['_allConnections']?.length;
  const free = core['_freeConnections']?.length;
  const waiting = core['_connectionQueue']?.length;
  if (typeof all !== 'number' || typeof free !== 'number' || typeof waiting !== 'number') return undefined;
  return `pool: ${all} total, ${free} idle, ${waiting} waiting`;
}
