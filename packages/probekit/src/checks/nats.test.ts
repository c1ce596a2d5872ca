import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { natsCheck } from './nats.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('nats');
const { host, port } = SERVICES.nats;

function client(toPort: number): Promise<NatsConnection> {
  return connect({ servers: `${host}:${toPort}`, reconnectTimeWait: 100, maxReconnectAttempts: -1, pingInterval: 60_000 });
}

test('nats: passes on a healthy server with the PING/PONG round trip', { skip }, async () => {
  const nc = await client(port);
  try {
    const run = await runOnce(natsCheck(nc), 2000);
    assert.equal(run.ok, true, run.message);
    assert.equal((run.value as { observedUnit: string }).observedUnit, 'ms');
    assert.equal((run.value as { output: string }).output, `${host}:${port}`);
  } finally {
    await nc.close();
  }
  assert.equal((await runOnce(natsCheck(nc), 2000)).message, 'nats: connection is closed');
});

test('nats: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'nats',
    target: { host, port },
    connect: (p) => client(p),
    disconnect: (nc) => nc.close(),
    check: (nc) => natsCheck(nc),
    timeoutMs: 500,
    expect: {
      latency: /^nats: (timed out|previous PING still pending)/,
      blackhole: /^nats: (timed out|previous PING still pending)/,
      reset: /^nats: not connected \(reconnecting\)$/,
      refuse: /^nats: not connected \(reconnecting\)$/,
    },
  });
});

test('nats: 1,000 runs keep one connection to the server', { skip, timeout: 120_000 }, async () => {
  const nc = await client(port);
  try {
    const definition = natsCheck(nc);
    const before = await ownConnectionsTo(port);
    assert.equal(before.length, 1);
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.deepEqual(await ownConnectionsTo(port), before);
  } finally {
    await nc.close();
  }
});

test('nats: the connection is validated', () => {
  assert.throws(() => natsCheck({} as never), /Expected `connection` to be a nats.js NatsConnection .* got `an object without them`/);
});

test('nats: 1,000 runs while the server resets and refuses leave one connection', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: (p) => client(p),
    disconnect: (nc) => nc.close(),
    check: (nc) => natsCheck(nc),
    timeoutMs: 1000,
    maxConnections: 1,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});
