import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { mysqlCheck } from './mysql.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('mysql');
const { host, port } = SERVICES.mysql;

function pool(toPort: number): mysql.Pool {
  return mysql.createPool({ host, port: toPort, user: 'root', database: 'test', connectionLimit: 2, connectTimeout: 2000 });
}

/** Server-side: SHOW PROCESSLIST rows whose client port is one of this process's sockets to the server. */
async function serverConnections(): Promise<number> {
  const admin = await mysql.createConnection({ host, port, user: 'root', database: 'test' });
  try {
    const own = new Set(await ownConnectionsTo(port));
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SHOW PROCESSLIST');
    const adminPort = (admin as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
    return rows.filter((row) => {
      const clientPort = Number(String(row['Host']).split(':')[1]);
      return own.has(clientPort) && clientPort !== adminPort;
    }).length;
  } finally {
    await admin.end();
  }
}

test('mysql: passes on a healthy MariaDB with the round trip and pool counts in its details', { skip }, async () => {
  const p = pool(port);
  try {
    const run = await runOnce(mysqlCheck(p), 2000);
    assert.equal(run.ok, true, run.message);
    const details = run.value as Record<string, unknown>;
    assert.equal(details['observedUnit'], 'ms');
    assert.equal(details['componentType'], 'datastore');
    assert.equal(details['output'], 'pool: 0 total, 0 idle, 0 waiting');
    // The callback pool works through its promise() face.
    const callbackPool = p.pool;
    assert.equal((await runOnce(mysqlCheck(callbackPool), 2000)).ok, true);
  } finally {
    await p.end();
  }
});

test('mysql: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'mysql',
    target: { host, port },
    connect: async (p) => pool(p),
    disconnect: (p) => p.end(),
    check: (p) => mysqlCheck(p),
    timeoutMs: 500,
    expect: {
      latency: /^mysql: timed out/,
      blackhole: /^mysql: timed out/,
      reset: /^mysql: (.*ECONNRESET|Connection lost: The server closed the connection\.)/,
      refuse: /^mysql: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  });
});

test('mysql: 1,000 runs leave SHOW PROCESSLIST unchanged', { skip, timeout: 120_000 }, async () => {
  const p = pool(port);
  try {
    const definition = mysqlCheck(p);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const before = await serverConnections();
    assert.equal(before, 1);
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.equal(await serverConnections(), before);
  } finally {
    await p.end();
  }
});

test('mysql: the pool and options are validated by name', () => {
  assert.throws(() => mysqlCheck({} as never), /Expected `pool` to be a mysql2 pool, got `a plain object` \(missing `getConnection\(\)`\)/);
  assert.throws(() => mysqlCheck({ getConnection: async () => ({}) } as never, { sql: 'x' } as never), /Unknown option `sql` in mysqlCheck\(\) options/);
});

test('mysql: 1,000 runs while the server resets and refuses leave only the pool\'s connections', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: async (p) => pool(p),
    disconnect: (p) => p.end(),
    check: (p) => mysqlCheck(p),
    timeoutMs: 1000,
    maxConnections: 2,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});
