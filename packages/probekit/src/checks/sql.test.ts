import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MikroORM as MikroPg } from '@mikro-orm/postgresql';
import { MikroORM as MikroMysql } from '@mikro-orm/mysql';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import knex from 'knex';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import mysql from 'mysql2';
import pg from 'pg';
import postgres from 'postgres';
import { Sequelize } from 'sequelize';
import { DataSource } from 'typeorm';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { HealthEngine } from '../engine/engine.js';
import { sqlCheck, type SqlHandle, type SqlLibrary } from './sql.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce, type FaultExpectations } from './test-fixtures/fault-suite.js';

const skipPg = await skipUnless('postgres');
const skipMysql = await skipUnless('mysql');
const PG = SERVICES.postgres;
const MY = SERVICES.mysql;
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

type Db = 'postgres' | 'mariadb';

interface Subject {
  readonly library: SqlLibrary;
  readonly db: Db;
  /** Opens the user's handle with a pool of at most 2 connections to `port` on the machine's server. */
  readonly open: (port: number, appName: string) => Promise<{ handle: SqlHandle; close: () => Promise<void> }>;
}

/** Knex logs every failed connection attempt; the test reads the check's failures instead. */
const quietKnex = { warn: () => {}, error: () => {}, debug: () => {}, deprecate: () => {} };

function pgPool(port: number, appName: string): pg.Pool {
  const pool = new pg.Pool({ host: PG.host, port, user: 'postgres', database: 'test', application_name: appName, max: 2, connectionTimeoutMillis: 2000 });
  pool.on('error', () => {}); // idle clients die under reset; the pool replaces them
  return pool;
}

function mysqlPool(port: number): mysql.Pool {
  return mysql.createPool({ host: MY.host, port, user: 'root', database: 'test', connectionLimit: 2, connectTimeout: 2000 });
}

const SUBJECTS: Subject[] = [
  {
    library: 'knex',
    db: 'postgres',
    open: async (port, appName) => {
      const db = knex({ client: 'pg', connection: { host: PG.host, port, user: 'postgres', database: 'test', application_name: appName, connectionTimeoutMillis: 2000 }, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 2000, log: quietKnex });
      return { handle: db, close: () => db.destroy() };
    },
  },
  {
    library: 'knex',
    db: 'mariadb',
    open: async (port) => {
      const db = knex({ client: 'mysql2', connection: { host: MY.host, port, user: 'root', database: 'test', connectTimeout: 2000 }, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 2000, log: quietKnex });
      return { handle: db, close: () => db.destroy() };
    },
  },
  {
    library: 'kysely',
    db: 'postgres',
    open: async (port, appName) => {
      const pool = pgPool(port, appName);
      // Kysely holds a checked-out pg client without an 'error' listener: a reset mid-query would
      // crash the process (seen in this test). Every Kysely + pg service needs this line.
      pool.on('connect', (client) => client.on('error', () => {}));
      const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
      return { handle: db, close: () => db.destroy() };
    },
  },
  {
    library: 'kysely',
    db: 'mariadb',
    open: async (port) => {
      const db = new Kysely<Record<string, never>>({ dialect: new MysqlDialect({ pool: mysqlPool(port) }) });
      return { handle: db, close: () => db.destroy() };
    },
  },
  {
    library: 'typeorm',
    db: 'postgres',
    open: async (port, appName) => {
      const ds = new DataSource({ type: 'postgres', host: PG.host, port, username: 'postgres', database: 'test', applicationName: appName, poolSize: 2, connectTimeoutMS: 2000 });
      await ds.initialize();
      return { handle: ds, close: () => ds.destroy() };
    },
  },
  {
    library: 'typeorm',
    db: 'mariadb',
    open: async (port) => {
      const ds = new DataSource({ type: 'mariadb', host: MY.host, port, username: 'root', database: 'test', poolSize: 2, connectTimeout: 2000 });
      await ds.initialize();
      return { handle: ds, close: () => ds.destroy() };
    },
  },
  {
    library: 'sequelize',
    db: 'postgres',
    open: async (port, appName) => {
      const db = new Sequelize('test', 'postgres', '', {
        host: PG.host,
        port,
        dialect: 'postgres',
        logging: false,
        pool: { min: 0, max: 2, acquire: 2000 },
        dialectOptions: { application_name: appName, connectionTimeoutMillis: 2000 },
      });
      return { handle: db, close: () => db.close() };
    },
  },
  {
    library: 'sequelize',
    db: 'mariadb',
    open: async (port) => {
      const db = new Sequelize('test', 'root', '', { host: MY.host, port, dialect: 'mysql', logging: false, pool: { min: 0, max: 2, acquire: 2000 }, dialectOptions: { connectTimeout: 2000 } });
      return { handle: db, close: () => db.close() };
    },
  },
  {
    library: 'drizzle',
    db: 'postgres',
    open: async (port, appName) => {
      const pool = pgPool(port, appName);
      return { handle: drizzlePg(pool), close: () => pool.end() };
    },
  },
  {
    library: 'drizzle',
    db: 'mariadb',
    open: async (port) => {
      const pool = mysqlPool(port);
      return { handle: drizzleMysql(pool), close: () => new Promise<void>((resolve) => pool.end(() => resolve())) };
    },
  },
  {
    library: 'mikro-orm',
    db: 'postgres',
    open: async (port, appName) => {
      const orm = await MikroPg.init({
        host: PG.host,
        port,
        user: 'postgres',
        dbName: 'test',
        entities: [],
        discovery: { warnWhenNoEntities: false },
        pool: { min: 0, max: 2 },
        driverOptions: { connection: { application_name: appName, connectionTimeoutMillis: 2000 } },
      });
      return { handle: orm, close: () => orm.close(true) };
    },
  },
  {
    library: 'mikro-orm',
    db: 'mariadb',
    open: async (port) => {
      const orm = await MikroMysql.init({
        host: MY.host,
        port,
        user: 'root',
        dbName: 'test',
        entities: [],
        discovery: { warnWhenNoEntities: false },
        pool: { min: 0, max: 2 },
        driverOptions: { connection: { connectTimeout: 2000 } },
      });
      return { handle: orm, close: () => orm.close(true) };
    },
  },
  {
    library: 'postgres.js',
    db: 'postgres',
    open: async (port, appName) => {
      const sql = postgres({ host: PG.host, port, user: 'postgres', database: 'test', max: 2, connect_timeout: 2, connection: { application_name: appName }, onnotice: () => {} });
      return { handle: sql, close: () => sql.end({ timeout: 1 }) };
    },
  },
];

/** Server-side connections of one application (PostgreSQL only: MariaDB has no such name). */
async function pgConnections(appName: string): Promise<number> {
  const admin = new pg.Client({ host: PG.host, port: PG.port, user: 'postgres', database: 'test' });
  await admin.connect();
  try {
    const result = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
    return Number(result.rows[0]!.n);
  } finally {
    await admin.end();
  }
}

const target = (db: Db) => (db === 'postgres' ? PG : MY);
const skipFor = (db: Db) => (db === 'postgres' ? skipPg : skipMysql);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectations(library: SqlLibrary): FaultExpectations {
  const k = `^${escape(library)}: `;
  return {
    latency: new RegExp(`${k}timed out after 500 ms$`),
    blackhole: new RegExp(`${k}timed out after 500 ms$`),
    // Knex and MikroORM prefix the statement: `knex: SELECT 1 - write ECONNRESET`.
    reset: new RegExp(`${k}(SELECT 1 - )?(read|write|connect) ECONNRESET`),
    refuse: new RegExp(`${k}connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+$`),
  };
}

for (const subject of SUBJECTS) {
  const { library, db } = subject;
  const skip = skipFor(db);

  test(`sql (${library} on ${db}): passes on the healthy server with the round trip in its details`, { skip }, async () => {
    const { handle, close } = await subject.open(target(db).port, `probekit-sql-${RUN}`);
    try {
      const run = await runOnce(sqlCheck(handle), 5000);
      assert.equal(run.ok, true, run.message);
      const details = run.value as Record<string, unknown>;
      assert.equal(details['observedUnit'], 'ms');
      assert.equal(details['measurement'], 'responseTime');
      assert.equal(details['componentType'], 'datastore');
      assert.equal(typeof details['observedValue'], 'number');
      const failing = await runOnce(sqlCheck(handle, { query: 'SELECT no_such_column_probekit' }), 5000);
      assert.equal(failing.ok, false);
      assert.match(failing.message, new RegExp(`^${escape(library)}: .*no_such_column_probekit`));
    } finally {
      await close();
    }
  });

  test(`sql (${library} on ${db}): fails under refuse, reset, blackhole and latency, and recovers each time`, { skip, timeout: 120_000 }, async () => {
    await faultMatrix({
      kind: library,
      target: target(db),
      connect: (port) => subject.open(port, `probekit-sql-${RUN}`),
      disconnect: (opened) => opened.close(),
      check: (opened) => sqlCheck(opened.handle),
      timeoutMs: 500,
      expect: expectations(library),
    });
  });

  // NOTE: postgres.js 3.4.9 stops answering after a burst of connection resets: every later query
  // hangs (without cancel) or times out (with it), with the connections open, even once the server
  // is reachable again — reproduced here without the check, a plain query loop through the fault
  // proxy. It looks like porsager/postgres#1130 (a connection keeps its failed query after
  // ECONNRESET; open, fix proposed in #1142). The check keeps failing then, as it should.
  // So postgres.js gets no churn test (a test that always skips would assert nothing).
  if (library !== 'postgres.js') test(`sql (${library} on ${db}): 1,000 runs while the server resets and refuses leave only the pool's connections`, { skip, timeout: 180_000 }, async () => {
    const appName = `probekit-sql-churn-${library}-${RUN}`;
    const result = await faultChurn({
      target: target(db),
      connect: (port) => subject.open(port, appName),
      disconnect: (opened) => opened.close(),
      check: (opened) => sqlCheck(opened.handle),
      timeoutMs: 1000,
      maxConnections: 2,
      ...(db === 'postgres' ? { serverConnections: () => pgConnections(appName) } : {}),
    });
    assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
  });

  test(`sql (${library} on ${db}): 1,000 runs leave the client's connections unchanged`, { skip, timeout: 120_000 }, async () => {
    const appName = `probekit-sql-${library}-${RUN}`;
    const { handle, close } = await subject.open(target(db).port, appName);
    try {
      const definition = sqlCheck(handle);
      assert.equal((await runOnce(definition, 5000)).ok, true);
      const sockets = (await ownConnectionsTo(target(db).port)).length;
      const server = db === 'postgres' ? await pgConnections(appName) : undefined;
      for (let i = 0; i < 1000; i++) {
        const run = await runOnce(definition, 5000);
        assert.equal(run.ok, true, `run ${i}: ${run.message}`);
      }
      assert.equal((await ownConnectionsTo(target(db).port)).length, sockets);
      assert.ok(sockets >= 1 && sockets <= 2, `a pool of max 2 holds ${sockets} sockets`);
      if (server !== undefined) assert.equal(await pgConnections(appName), server);
    } finally {
      await close();
    }
  });
}

test('sql: a query still unanswered from the previous run fails the next run at once instead of queueing', { skip: skipPg }, async () => {
  const ds = new DataSource({ type: 'postgres', host: PG.host, port: PG.port, username: 'postgres', database: 'test', poolSize: 2 });
  await ds.initialize();
  try {
    const definition = sqlCheck(ds, { query: 'SELECT pg_sleep(1)' });
    const first = await runOnce(definition, 200);
    assert.equal(first.message, 'typeorm: timed out after 200 ms');
    const second = await runOnce(definition, 200);
    assert.equal(second.message, 'typeorm: previous query still pending');
  } finally {
    await ds.destroy();
  }
});

test('sql: postgres.js cancels the query on the server when the run is aborted', { skip: skipPg }, async () => {
  const appName = `probekit-sql-cancel-${RUN}`;
  const sql = postgres({ host: PG.host, port: PG.port, user: 'postgres', database: 'test', max: 1, connection: { application_name: appName } });
  try {
    const definition = sqlCheck(sql, { query: 'SELECT pg_sleep(30)' });
    const run = await runOnce(definition, 300);
    assert.equal(run.message, 'postgres.js: timed out after 300 ms');
    // The cancel request ends the statement on the server, so the connection is free again.
    const deadline = Date.now() + 10_000;
    let active = -1;
    while (Date.now() < deadline) {
      const rows = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${appName} AND query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'`;
      active = rows[0]!['n'] as number;
      if (active === 0) break;
    }
    assert.equal(active, 0, 'the sleeping statement is still active on the server');
  } finally {
    await sql.end({ timeout: 1 });
  }
});

test('sql: a TypeORM DataSource that was never initialised fails with that reason', async () => {
  const ds = new DataSource({ type: 'postgres', host: PG.host, port: PG.port, username: 'postgres', database: 'test' });
  const run = await runOnce(sqlCheck(ds), 1000);
  assert.equal(run.message, 'typeorm: DataSource is not initialized (call initialize() first)');
});

test('sql through the engine: refused on liveness, passes on readiness', { skip: skipPg }, async () => {
  const sql = postgres({ host: PG.host, port: PG.port, user: 'postgres', database: 'test', max: 1 });
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    assert.throws(() => engine.liveness('db', sqlCheck(sql)), /Refusing to register dependency check `db` on liveness/);
    engine.readiness('db', sqlCheck(sql), { intervalMs: 200, timeoutMs: 1000 });
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
    const check = engine.snapshot().checks[0]!;
    assert.equal(check.status, 'pass');
    assert.equal(check.dependency, true);
    assert.equal(check.lastRun?.details?.observedUnit, 'ms');
  } finally {
    engine.stop();
    await sql.end({ timeout: 1 });
  }
});

test('sql: options and handles are validated by name', () => {
  const fakeKnex = Object.assign(() => {}, { raw: async () => ({}), client: {} });
  assert.throws(() => sqlCheck(fakeKnex, { query: 1 } as never), /Expected `query` to be a string, got `1`/);
  assert.throws(() => sqlCheck(fakeKnex, { querry: 'x' } as never), /Unknown option `querry` in sqlCheck\(\) options/);
  assert.throws(
    () => sqlCheck({} as never),
    /^TypeError: Expected `handle` to be a Knex, Kysely, TypeORM DataSource, Sequelize, Drizzle, MikroORM or postgres\.js instance, got `a plain object`$/,
  );
  const pool = new pg.Pool();
  try {
    assert.throws(() => sqlCheck(pool as never), /got `a BoundPool` \(for a pg Pool use postgresCheck\(\), for a mysql2 pool mysqlCheck\(\)\)/);
  } finally {
    void pool.end();
  }
  assert.throws(() => sqlCheck({ $client: 42 } as never), /Expected the Drizzle database's `\$client` to be a pg Pool or Client, a mysql2 pool or a postgres\.js instance, got `42`/);
});
