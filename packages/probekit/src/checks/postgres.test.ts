import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { HealthEngine } from '../engine/engine.js';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { createFaultProxy } from '../testing/fault-proxy.js';
import { postgresCheck } from './postgres.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('postgres');
const { host, port } = SERVICES.postgres;
const APP = `probekit-test-${process.pid}`;

function pool(toPort: number, extra: pg.PoolConfig = {}): pg.Pool {
  const p = new pg.Pool({ host, port: toPort, user: 'postgres', database: 'test', application_name: APP, max: 2, connectionTimeoutMillis: 2000, ...extra });
  p.on('error', () => {}); // idle clients die under reset; the pool replaces them
  return p;
}

async function serverConnections(): Promise<number> {
  const admin = new pg.Client({ host, port, user: 'postgres', database: 'test' });
  await admin.connect();
  try {
    const result = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [APP]);
    return Number(result.rows[0]!.n);
  } finally {
    await admin.end();
  }
}

test('postgres: passes on a healthy server with latency and pool saturation in its details', { skip }, async () => {
  const p = pool(port);
  try {
    const run = await runOnce(postgresCheck(p), 2000);
    assert.equal(run.ok, true, run.message);
    const details = run.value as Record<string, unknown>;
    assert.equal(details['observedUnit'], 'ms');
    assert.equal(details['measurement'], 'responseTime');
    assert.equal(details['componentType'], 'datastore');
    assert.equal(typeof details['observedValue'], 'number');
    assert.equal(details['output'], 'pool: 0 total, 0 idle, 0 waiting');
  } finally {
    await p.end();
  }
});

test('postgres: the statement timeout is enforced by the server and leaves the session untouched', { skip }, async () => {
  const client = new pg.Client({ host, port, user: 'postgres', database: 'test' });
  await client.connect();
  try {
    const slow = await runOnce(postgresCheck(client, { query: 'SELECT pg_sleep(2)', statementTimeoutMs: 100 }), 5000);
    assert.equal(slow.ok, false);
    assert.equal(slow.message, 'postgres: canceling statement due to statement timeout');
    const setting = await client.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.equal(setting.rows[0]!.statement_timeout, '0');
  } finally {
    await client.end();
  }
});

test('postgres: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'postgres',
    target: { host, port },
    connect: async (proxyPort) => pool(proxyPort),
    disconnect: (p) => p.end(),
    check: (p) => postgresCheck(p),
    timeoutMs: 500,
    expect: {
      latency: /^postgres: timed out/,
      blackhole: /^postgres: timed out/,
      reset: /^postgres: ((read|write|connect) ECONNRESET|Connection terminated unexpectedly)/,
      refuse: /^postgres: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  });
});

test('postgres: a plain Client whose query hangs fails the next run at once instead of queueing', { skip }, async () => {
  const client = new pg.Client({ host, port, user: 'postgres', database: 'test' });
  await client.connect();
  try {
    const definition = postgresCheck(client, { query: 'SELECT pg_sleep(1)', statementTimeoutMs: 0 });
    const first = await runOnce(definition, 200);
    assert.equal(first.message, 'postgres: timed out after 200 ms');
    const second = await runOnce(definition, 200);
    assert.equal(second.message, 'postgres: previous query still pending on the client');
  } finally {
    await client.end();
  }
});

test('postgres: pool saturation fails the check when more callers wait than maxWaiting', { skip }, async () => {
  const p = pool(port, { max: 1 });
  try {
    const held = await p.connect();
    const waiting = p.connect();
    try {
      const run = await runOnce(postgresCheck(p, { maxWaiting: 0 }), 1000);
      assert.equal(run.message, 'postgres: pool saturated: 1 callers waiting for a connection (maxWaiting 0)');
    } finally {
      held.release();
      (await waiting).release();
    }
  } finally {
    await p.end();
  }
});

test('postgres: 1,000 runs leave the server-side connection count unchanged', { skip, timeout: 120_000 }, async () => {
  const p = pool(port);
  try {
    const definition = postgresCheck(p);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const before = await serverConnections();
    const socketsBefore = (await ownConnectionsTo(port)).length;
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.equal(await serverConnections(), before);
    assert.equal((await ownConnectionsTo(port)).length, socketsBefore);
    assert.ok(before >= 1 && before <= 2, `pool of max 2 holds ${before} connections`);
  } finally {
    await p.end();
  }
});

test('postgres: options are validated by name', () => {
  const fake = { query: async () => ({}) };
  assert.throws(() => postgresCheck(fake, { statementTimeoutMs: -1 }), /Expected `statementTimeoutMs` to be a non-negative integer, got `-1`/);
  assert.throws(() => postgresCheck(fake, { querry: 'x' } as never), /Unknown option `querry` in postgresCheck\(\) options/);
  assert.throws(() => postgresCheck({} as never), /Expected `client` to be a pg Pool or Client, got `a plain object` \(missing `query\(\)`\)/);
});

test('postgres: 1,000 runs while the server resets and refuses leave only the pool\'s connections', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: async (p) => pool(p),
    disconnect: (p) => p.end(),
    check: (p) => postgresCheck(p),
    timeoutMs: 1000,
    maxConnections: 2,
    serverConnections,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});

test('postgres through the engine: details reach the snapshot, a partition fails at the timeout, the pool recovers', { skip, timeout: 60_000 }, async () => {
  const proxy = await createFaultProxy({ target: { host, port } });
  const p = pool(proxy.port);
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    engine.readiness('postgres', postgresCheck(p), { intervalMs: 200, timeoutMs: 300 });
    assert.throws(() => engine.liveness('postgres-live', postgresCheck(p)), /Refusing to register dependency check `postgres-live` on liveness/);
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
    const passing = engine.snapshot().checks[0]!;
    assert.equal(passing.dependency, true);
    assert.equal(passing.componentType, 'datastore');
    assert.equal(passing.lastRun?.details?.observedUnit, 'ms');
    assert.match(String(passing.lastRun?.details?.output), /^pool: \d total, \d idle, 0 waiting$/);
    await proxy.setMode('blackhole');
    const failing = await new Promise<string | undefined>((resolve) => {
      const off = engine.on('transition', (event) => {
        off();
        resolve(event.reason);
      });
    });
    assert.equal(failing, 'timed out after 300 ms');
    await proxy.setMode('pass');
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
  } finally {
    engine.stop();
    await p.end();
    await proxy.close();
  }
});
