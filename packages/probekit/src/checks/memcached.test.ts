import assert from 'node:assert/strict';
import { test } from 'node:test';
import memjs from 'memjs';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { HealthEngine } from '../engine/engine.js';
import { memcachedCheck } from './memcached.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('memcached');
const { host, port } = SERVICES.memcached;
const quiet = { log: () => {} };

function client(...ports: number[]): memjs.Client {
  return memjs.Client.create(ports.map((p) => `${host}:${p}`).join(','), { timeout: 1, retries: 1, logger: quiet });
}

test('memcached: passes on the healthy server with the round trip in its details', { skip }, async () => {
  const c = client(port);
  try {
    const run = await runOnce(memcachedCheck(c), 2000);
    assert.equal(run.ok, true, run.message);
    const details = run.value as Record<string, unknown>;
    assert.equal(details['observedUnit'], 'ms');
    assert.equal(details['measurement'], 'responseTime');
    assert.equal(details['componentType'], 'datastore');
    assert.equal(typeof details['observedValue'], 'number');
    assert.equal(details['output'], '1 of 1 servers answered');
  } finally {
    c.close();
  }
});

test('memcached: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'memcached',
    target: { host, port },
    connect: async (p) => client(p),
    disconnect: async (c) => c.close(),
    check: (c) => memcachedCheck(c),
    timeoutMs: 500,
    expect: {
      latency: /^memcached: timed out after 500 ms$/,
      blackhole: /^memcached: timed out after 500 ms$/,
      reset: /^memcached: 0 of 1 servers answered \(minServers 1\): 127\.0\.0\.1:\d+ (read|write|connect) ECONNRESET( 127\.0\.0\.1:\d+)?$/,
      refuse: /^memcached: 0 of 1 servers answered \(minServers 1\): 127\.0\.0\.1:\d+ connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  });
});

test('memcached: with two servers, one down fails by default and passes with minServers 1', { skip }, async () => {
  const c = client(port, 1); // nothing listens on port 1
  try {
    const strict = await runOnce(memcachedCheck(c), 3000);
    assert.match(strict.message, /^memcached: 1 of 2 servers answered \(minServers 2\): 127\.0\.0\.1:1 connect ECONNREFUSED 127\.0\.0\.1:1$/);
    const lenient = await runOnce(memcachedCheck(c, { minServers: 1 }), 3000);
    assert.equal(lenient.ok, true, lenient.message);
    assert.equal((lenient.value as Record<string, unknown>)['output'], '1 of 2 servers answered; 127.0.0.1:1 connect ECONNREFUSED 127.0.0.1:1');
  } finally {
    c.close();
  }
});

test('memcached: 1,000 runs leave the client with its one connection', { skip, timeout: 120_000 }, async () => {
  const c = client(port);
  try {
    const definition = memcachedCheck(c);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const before = (await ownConnectionsTo(port)).length;
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.equal((await ownConnectionsTo(port)).length, before);
    assert.equal(before, 1);
  } finally {
    c.close();
  }
});

// NOTE: memjs 1.3.2 orphans one socket after a reset: the old socket's 'close' handler clears the
// newer socket it had just opened (lib/memjs/server.js, Server.prototype.sock), which then stays
// open unused (reproduced here: 2 connections after the first reset cycle, still 2 after
// twenty). The check can not reach it; this test bounds it at one extra socket that never grows.
test('memcached: 1,000 runs while the server resets and refuses leave at most memjs\'s one orphaned socket beside its connection', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: async (p) => client(p),
    disconnect: async (c) => c.close(),
    check: (c) => memcachedCheck(c),
    timeoutMs: 1500,
    maxConnections: 2,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});

test('memcached through the engine: refused on liveness, passes on readiness', { skip }, async () => {
  const c = client(port);
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    assert.throws(() => engine.liveness('cache', memcachedCheck(c)), /Refusing to register dependency check `cache` on liveness/);
    engine.readiness('cache', memcachedCheck(c), { intervalMs: 200, timeoutMs: 1000 });
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
    assert.equal(engine.snapshot().checks[0]!.status, 'pass');
  } finally {
    engine.stop();
    c.close();
  }
});

test('memcached: options and the client are validated by name', () => {
  const c = client(11211);
  try {
    assert.throws(() => memcachedCheck(c, { minServers: 0 }), /Expected `minServers` to be a positive integer, got `0`/);
    assert.throws(() => memcachedCheck(c, { minServers: 2 }), /Expected `minServers` to be at most the client's 1 servers, got `2`/);
    assert.throws(() => memcachedCheck(c, { lostAfterMs: -5 }), /Expected `lostAfterMs` to be a positive integer, got `-5`/);
    assert.throws(() => memcachedCheck(c, { min: 1 } as never), /Unknown option `min` in memcachedCheck\(\) options/);
    assert.throws(() => memcachedCheck({} as never), /Expected `client` to be a memjs Client, got `a plain object` \(missing `stats\(\)`\)/);
  } finally {
    c.close();
  }
});

test('memcached: a STATS that memjs never answers (the server closed the connection) is given up after lostAfterMs', async () => {
  // A private server that reads each request and closes the connection politely (FIN, no RST).
  const { createServer } = await import('node:net');
  let requests = 0;
  const server = createServer((socket) => {
    socket.once('data', () => {
      requests += 1;
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const c = client((server.address() as { port: number }).port);
  try {
    // Waits for the server to have read `n` requests (a busy machine may deliver them late).
    const served = async (n: number): Promise<number> => {
      const deadline = Date.now() + 5000;
      while (requests < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return requests;
    };
    const definition = memcachedCheck(c, { lostAfterMs: 1000 });
    assert.equal((await runOnce(definition, 300)).message, 'memcached: timed out after 300 ms');
    assert.equal(await served(1), 1);
    assert.equal((await runOnce(definition, 300)).message, 'memcached: previous STATS still pending');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(requests, 1, 'no second STATS while the first one counted as pending');
    assert.equal((await runOnce(definition, 300)).message, 'memcached: timed out after 300 ms');
    assert.equal(await served(2), 2, 'a new STATS was sent once the lost one was given up');
  } finally {
    c.close();
    server.close();
  }
});
