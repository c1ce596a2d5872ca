/**
 * SQL readiness check for the ORMs and query builders Node services use: Knex, Kysely, TypeORM,
 * Sequelize, Drizzle, MikroORM and postgres.js. (Not Prisma Client: `prisma generate` downloads its
 * engines, which could not be fetched where this was built, so it is not offered untested.) It recognises the handle, runs one
 * real round trip through it (never an "is connected" flag) and names the library in every error.
 * No runtime import of any of them: each is typed by the few members the check uses.
 */
import type { CheckDefinition, CheckDetails } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { mysqlCheck, type MysqlCallbackPool, type MysqlPromisePool } from './mysql.js';
import { postgresCheck, type PgPool, type PgQueryable } from './postgres.js';
import { DependencyCheckError, raceAbort, responseTime, wrapError } from './shared.js';

/** A Knex instance (`knex({ client: 'pg', … })`). */
export interface KnexLike {
  (...args: never[]): unknown;
  raw(sql: string): PromiseLike<unknown>;
  readonly client: object;
}

/** A Kysely instance. The check hands it a compiled raw query. */
export interface KyselyLike {
  executeQuery(query: never): Promise<unknown>;
  selectFrom(...args: never[]): unknown;
}

/** A TypeORM `DataSource` (after `initialize()`). */
export interface TypeOrmDataSourceLike {
  readonly isInitialized: boolean;
  query(sql: string): Promise<unknown>;
  readonly manager: object;
}

/** A Sequelize instance. */
export interface SequelizeLike {
  query(sql: string, options?: never): Promise<unknown>;
  authenticate(...args: never[]): Promise<unknown>;
  getDialect(): string;
}

/** A Drizzle database: the check runs on its underlying client (`$client`). */
export interface DrizzleLike {
  readonly $client: unknown;
}

/** A MikroORM instance (`await MikroORM.init(…)`). */
export interface MikroOrmLike {
  readonly em: { getConnection(...args: never[]): { execute(sql: string): Promise<unknown> } };
  checkConnection(): Promise<unknown>;
}

/** A postgres.js `sql` instance (`postgres(url)`). */
export interface PostgresJsLike {
  (...args: never[]): unknown;
  unsafe(query: string): PromiseLike<unknown> & { cancel(): void };
  begin(...args: never[]): unknown;
  readonly options: object;
}

/** Every handle `sqlCheck()` recognises. */
export type SqlHandle = KnexLike | KyselyLike | TypeOrmDataSourceLike | SequelizeLike | DrizzleLike | MikroOrmLike | PostgresJsLike;

/** The library a handle was recognised as: also the prefix of every failure message. */
export type SqlLibrary = 'knex' | 'kysely' | 'typeorm' | 'sequelize' | 'drizzle' | 'mikro-orm' | 'postgres.js';

/** Options of `sqlCheck()`. */
export interface SqlCheckOptions {
  /** The statement to run. Keep it trivial: it runs every interval on every replica. @default 'SELECT 1' */
  readonly query?: string;
}

export const sqlCheckDefaults = { query: 'SELECT 1' } satisfies Required<SqlCheckOptions>;

/**
 * A readiness check that runs `SELECT 1` through the user's ORM or query builder. postgres.js
 * queries are cancelled on abort, and Drizzle runs on its pg, mysql2 or postgres.js client with
 * those checks' abort handling. The other libraries take no AbortSignal: the run fails at its
 * timeout, and while that query is still unanswered the next run fails at once instead of queueing
 * another behind it.
 */
export function sqlCheck(handle: SqlHandle, options: SqlCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('sqlCheck() options', options, ['query']);
  const query = v.string('query', options.query ?? sqlCheckDefaults.query);
  const library = recognise(handle);
  const check = library === 'drizzle' ? drizzleRun(handle as DrizzleLike, query) : guardedRun(library, handle, query);
  return Object.freeze({ check, dependency: true, componentType: 'datastore' });
}

/** Which library `handle` comes from; a `TypeError` naming what it got otherwise. */
function recognise(handle: unknown): SqlLibrary {
  const h = handle as Record<string, unknown> | null | undefined;
  const has = (key: string): boolean => typeof h?.[key] === 'function';
  if (typeof handle === 'function' || (typeof handle === 'object' && handle !== null)) {
    if ('$client' in h! && h!['$client'] !== undefined) return 'drizzle';
    if (typeof handle === 'function' && has('unsafe') && has('begin') && typeof h!['options'] === 'object') return 'postgres.js';
    if (typeof handle === 'function' && has('raw') && typeof h!['client'] === 'object') return 'knex';
    if (has('executeQuery') && has('selectFrom')) return 'kysely';
    if (has('checkConnection') && typeof h!['em'] === 'object') return 'mikro-orm';
    if (typeof h!['isInitialized'] === 'boolean' && has('query') && typeof h!['manager'] === 'object') return 'typeorm';
    if (has('authenticate') && has('query') && has('getDialect')) return 'sequelize';
  }
  const plain = (has('connect') && typeof h?.['totalCount'] === 'number') || has('getConnection');
  throw new TypeError(
    `Expected \`handle\` to be a Knex, Kysely, TypeORM DataSource, Sequelize, Drizzle, MikroORM or postgres.js instance, got \`${describeHandle(handle)}\`` +
      (plain ? ' (for a pg Pool use postgresCheck(), for a mysql2 pool mysqlCheck())' : ''),
  );
}

/** One round trip as each library spells it. */
function roundTrip(library: Exclude<SqlLibrary, 'drizzle'>, handle: unknown, query: string): PromiseLike<unknown> & { cancel?: () => void } {
  switch (library) {
    case 'postgres.js':
      return (handle as PostgresJsLike).unsafe(query);
    case 'knex':
      return (handle as KnexLike).raw(query);
    case 'kysely':
      // NOTE: what `CompiledQuery.raw(query)` builds in Kysely 0.28 (a RawNode, no parameters),
      // spelled out so that the check does not import kysely.
      return (handle as { executeQuery(q: unknown): Promise<unknown> }).executeQuery({
        sql: query,
        parameters: [],
        query: { kind: 'RawNode', sqlFragments: [query], parameters: [] },
        queryId: { queryId: `probekit-${Math.random().toString(36).slice(2)}` },
      });
    case 'mikro-orm':
      return (handle as MikroOrmLike).em.getConnection().execute(query);
    case 'typeorm': {
      const dataSource = handle as TypeOrmDataSourceLike;
      if (!dataSource.isInitialized) throw new DependencyCheckError(library, 'DataSource is not initialized (call initialize() first)');
      return dataSource.query(query);
    }
    case 'sequelize':
      return (handle as SequelizeLike).query(query, { raw: true } as never);
  }
}

/**
 * Libraries without a signal: at most one query in flight. A query still pending from an earlier
 * run (a partition on an open connection) fails the run at once instead of adding another.
 */
function guardedRun(library: Exclude<SqlLibrary, 'drizzle'>, handle: unknown, query: string): (signal: AbortSignal) => Promise<CheckDetails> {
  let pending: Promise<unknown> | undefined;
  return async (signal) => {
    const startedAt = performance.now();
    if (pending) throw new DependencyCheckError(library, 'previous query still pending');
    let running: PromiseLike<unknown> & { cancel?: () => void };
    try {
      running = roundTrip(library, handle, query);
    } catch (error) {
      throw wrapError(library, error);
    }
    // Knex and postgres.js return lazy thenables: `Promise.resolve` sends the query.
    const sent = Promise.resolve(running);
    const tracked = sent.finally(() => {
      if (pending === tracked) pending = undefined;
    });
    tracked.catch(() => {});
    pending = tracked;
    const cancel = typeof running.cancel === 'function' ? () => running.cancel!() : undefined;
    await raceAbort(library, signal, sent, cancel);
    return responseTime(startedAt, 'datastore');
  };
}

/** Drizzle: the check of its underlying client, with `drizzle` as the kind. */
function drizzleRun(db: DrizzleLike, query: string): (signal: AbortSignal) => Promise<CheckDetails> {
  const client = db.$client as Record<string, unknown> | null;
  let inner: (signal: AbortSignal) => unknown;
  if (typeof client === 'function' && typeof (client as Record<string, unknown>)['unsafe'] === 'function') {
    inner = guardedRun('postgres.js', client, query);
  } else if (client && typeof client['query'] === 'function' && (typeof client['totalCount'] === 'number' || typeof client['connect'] === 'function')) {
    // NOTE: statementTimeoutMs 0 keeps the user's statement as it is (no `SET LOCAL` prefix): the
    // round trip is the one Drizzle itself would send.
    inner = postgresCheck(client as unknown as PgPool | PgQueryable, { query, statementTimeoutMs: 0 }).check;
  } else if (client && (typeof client['getConnection'] === 'function' || typeof client['promise'] === 'function')) {
    inner = mysqlCheck(client as unknown as MysqlPromisePool | MysqlCallbackPool, { query }).check;
  } else {
    throw new TypeError(`Expected the Drizzle database's \`$client\` to be a pg Pool or Client, a mysql2 pool or a postgres.js instance, got \`${describeHandle(client)}\``);
  }
  return async (signal) => {
    try {
      return (await inner(signal)) as CheckDetails;
    } catch (error) {
      if (error instanceof DependencyCheckError) throw new DependencyCheckError('drizzle', error.message.slice(error.kind.length + 2), { cause: error.cause ?? error });
      throw wrapError('drizzle', error);
    }
  };
}

function describeHandle(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return v.describe(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (name === 'Object') return 'a plain object';
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
}
