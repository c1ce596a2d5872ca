import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { redisCheck } from './redis.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('redis');
const { host, port } = SERVICES.redis;
const NAME = `probekit-test-${process.pid}`;

function ioredis(toPort: number): Redis {
  const client = new Redis({ host, port: toPort, connectionName: NAME, retryStrategy: () => 100, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // reconnects are the point of the test
  return client;
}

async function nodeRedis(toPort: number) {
  const client = createClient({ socket: { host, port: toPort, reconnectStrategy: () => 100 }, name: NAME });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Server-side: connections in CLIENT LIST carrying this test's name. */
async function serverConnections(): Promise<number> {
  const admin = new Redis({ host, port, lazyConnect: true });
  await admin.connect();
  try {
    const list = (await admin.client('LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${NAME} `)).length;
  } finally {
    admin.disconnect();
  }
}

const expect = {
  latency: /^redis: (timed out|previous PING still pending)/,
  blackhole: /^redis: (timed out|previous PING still pending)/,
  reset: /^redis: (client is not connected|.*ECONNRESET|Connection is closed)/,
  refuse: /^redis: client is not connected/,
};

test('redis (ioredis): passes on a healthy server and reports the PING round trip', { skip }, async () => {
  const client = ioredis(port);
  try {
    await client.ping();
    const run = await runOnce(redisCheck(client), 1000);
    assert.equal(run.ok, true, run.message);
    assert.deepEqual(Object.keys(run.value as object), ['observedValue', 'observedUnit', 'measurement', 'componentType']);
    assert.equal((run.value as { observedUnit: string }).observedUnit, 'ms');
  } finally {
    client.disconnect();
  }
});

test('redis (ioredis): fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  const results = await faultMatrix({
    kind: 'redis',
    target: { host, port },
    connect: async (p) => ioredis(p),
    disconnect: async (c) => c.disconnect(),
    check: (c) => redisCheck(c),
    timeoutMs: 500,
    expect,
  });
  assert.ok(results['refuse']!.some((r) => /^redis: client is not connected \(status: (reconnecting|connecting)\)$/.test(r.message)));
});

test('redis (node-redis): fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'redis',
    target: { host, port },
    connect: (p) => nodeRedis(p),
    disconnect: async (c) => c.destroy(),
    check: (c) => redisCheck(c),
    timeoutMs: 500,
    expect,
  });
});

test('redis: 1,000 runs on each client leave CLIENT LIST unchanged', { skip, timeout: 120_000 }, async () => {
  const a = ioredis(port);
  const b = await nodeRedis(port);
  try {
    await a.ping();
    const before = await serverConnections();
    assert.equal(before, 2);
    const socketsBefore = (await ownConnectionsTo(port)).length;
    for (const definition of [redisCheck(a), redisCheck(b)]) {
      for (let i = 0; i < 1000; i++) {
        const run = await runOnce(definition, 1000);
        assert.equal(run.ok, true, `run ${i}: ${run.message}`);
      }
    }
    assert.equal(await serverConnections(), before);
    assert.equal((await ownConnectionsTo(port)).length, socketsBefore);
  } finally {
    a.disconnect();
    b.destroy();
  }
});

test('redis: a client that is not connected fails at once with its status, without queueing a PING', { skip }, async () => {
  const client = new Redis({ host, port, lazyConnect: true });
  try {
    const run = await runOnce(redisCheck(client), 1000);
    assert.equal(run.message, 'redis: client is not connected (status: wait)');
    const closed = createClient({ socket: { host, port } });
    const run2 = await runOnce(redisCheck(closed), 1000);
    assert.equal(run2.message, 'redis: client is not connected (closed)');
  } finally {
    client.disconnect();
  }
});

test('redis: the client and options are validated by name', () => {
  assert.throws(() => redisCheck({} as never), /Expected `client` to be an ioredis client .* got `an object without them`/);
  assert.throws(() => redisCheck({ status: 'ready', ping: async () => 'PONG' }, { reply: 'x' } as never), /Unknown option `reply` in redisCheck\(\) options/);
});

for (const [flavour, connect, disconnect] of [
  ['ioredis', async (p: number) => ioredis(p), async (c: { disconnect(): void }) => c.disconnect()],
  ['node-redis', (p: number) => nodeRedis(p), async (c: { destroy(): void }) => c.destroy()],
] as const) {
  test(`redis (${flavour}): 1,000 runs while the server resets and refuses leave one connection`, { skip, timeout: 180_000 }, async () => {
    const result = await faultChurn({
      target: { host, port },
      connect: connect as (p: number) => Promise<Parameters<typeof redisCheck>[0]>,
      disconnect: disconnect as (c: unknown) => Promise<void>,
      check: (c) => redisCheck(c),
      timeoutMs: 1000,
      maxConnections: 1,
      serverConnections,
    });
    assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
  });
}
