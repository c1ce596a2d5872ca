/**
 * PostgreSQL readiness check for `pg` (node-postgres): one round trip on the user's Pool or Client.
 * No runtime import of `pg`: the client is typed by the few methods used.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, assertClient, raceAbort, responseTime, wrapError } from './shared.js';

/** The part of a `pg` client the check uses. */
export interface PgQueryable {
  query(text: string): Promise<unknown>;
}

/** A `pg` PoolClient: a client checked out of a Pool. */
export interface PgPoolClient extends PgQueryable {
  /** `release(error)` destroys the connection instead of returning it to the pool. */
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a `pg` Pool the check uses. */
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** Options of `postgresCheck()`. */
export interface PostgresCheckOptions {
  /** The statement to run. Keep it trivial: it runs every interval on every replica. @default 'SELECT 1' */
  readonly query?: string;
  /**
   * Server-side bound on the statement (`SET LOCAL statement_timeout` in the same round trip), so a
   * stuck statement ends on the server too, not only in the client. 0 sends no `SET`. @default 1000
   */
  readonly statementTimeoutMs?: number;
  /** With a Pool: fail when more than this many callers wait for a connection (saturation). @default undefined (report only) */
  readonly maxWaiting?: number;
}

export const postgresCheckDefaults = {
  query: 'SELECT 1',
  statementTimeoutMs: 1000,
} satisfies Required<Omit<PostgresCheckOptions, 'maxWaiting'>>;

const KIND = 'postgres';
const ignore = (): void => {};

/**
 * A readiness check that runs `SELECT 1` on a `pg` Pool (a connection is checked out and returned)
 * or Client. On abort a pooled connection is destroyed, never returned mid-query; a plain Client
 * can not be cancelled, so a run that finds the previous query still pending fails at once instead
 * of queueing another.
 */
export function postgresCheck(client: PgPool | PgQueryable, options: PostgresCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('postgresCheck() options', options, ['query', 'statementTimeoutMs', 'maxWaiting']);
  const query = v.string('query', options.query ?? postgresCheckDefaults.query);
  const statementTimeoutMs = v.nonNegativeInteger('statementTimeoutMs', options.statementTimeoutMs ?? postgresCheckDefaults.statementTimeoutMs);
  const maxWaiting = options.maxWaiting === undefined ? undefined : v.nonNegativeInteger('maxWaiting', options.maxWaiting);
  const isPool = typeof (client as PgPool | undefined)?.waitingCount === 'number';
  assertClient('client', client, isPool ? ['connect'] : ['query'], 'a pg Pool or Client');
  // NOTE: several statements in one simple-protocol query run as one implicit transaction, so
  // SET LOCAL ends with it and never leaks into the user's session: still a single round trip.
  const text = statementTimeoutMs > 0 ? `SET LOCAL statement_timeout = ${statementTimeoutMs}; ${query}` : query;

  let clientPending: Promise<unknown> | undefined;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    if (isPool) {
      const pool = client as PgPool;
      const saturation = `pool: ${pool.totalCount} total, ${pool.idleCount} idle, ${pool.waitingCount} waiting`;
      if (maxWaiting !== undefined && pool.waitingCount > maxWaiting) {
        throw new DependencyCheckError(KIND, `pool saturated: ${pool.waitingCount} callers waiting for a connection (maxWaiting ${maxWaiting})`);
      }
      const connecting = pool.connect();
      // An abort while waiting for a connection: give it back as soon as it arrives.
      const pooled = await raceAbort(KIND, signal, connecting, () => {
        connecting.then((c) => c.release(), () => {});
      });
      let released = false;
      const release = (error?: Error): void => {
        if (released) return;
        released = true;
        pooled.removeListener?.('error', onClientError);
        // NOTE: a destroyed pg client can emit 'error' again while it closes (e.g. `write ECONNRESET`
        // after the pool's idle listener already fired), which would crash the process. It is
        // discarded: swallow its late errors.
        if (error) pooled.on?.('error', ignore);
        pooled.release(error ?? false);
      };
      // NOTE: pg emits a socket error both to the query and as an 'error' event, and a checked-out
      // client has no listener (pg-pool's own query() adds one the same way): without this the
      // process would crash on a reset.
      const onClientError = (error: Error): void => release(error);
      pooled.on?.('error', onClientError);
      try {
        const running = pooled.query(text);
        // NOTE: a connection aborted mid-query is in an unknown state: destroy it, never reuse it.
        await raceAbort(KIND, signal, running, () => release(new Error('probekit: postgres check aborted')));
        release();
      } catch (error) {
        release(error instanceof Error ? error : new Error(String(error)));
        throw wrapError(KIND, error);
      }
      return { ...responseTime(startedAt, 'datastore', saturation) };
    }
    if (clientPending) throw new DependencyCheckError(KIND, 'previous query still pending on the client');
    const running = (client as PgQueryable).query(text);
    const tracked = running.finally(() => {
      if (clientPending === tracked) clientPending = undefined;
    });
    tracked.catch(() => {});
    clientPending = tracked;
    await raceAbort(KIND, signal, running);
    return responseTime(startedAt, 'datastore');
  };

  return Object.freeze({ check, dependency: true, componentType: 'datastore' });
}
