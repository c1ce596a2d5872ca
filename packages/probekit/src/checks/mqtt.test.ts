import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { mqttCheck } from './mqtt.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('mqtt');
const { host, port } = SERVICES.mqtt;

let clients = 0;

async function client(toPort: number): Promise<mqtt.MqttClient> {
  // NOTE: a client id per client: a broker that sees an id again takes the session over and disconnects the first client.
  clients += 1;
  const clientId = `probekit-test-${process.pid}-${clients}-${randomBytes(4).toString('hex')}`;
  const c = await mqtt.connectAsync({ host, port: toPort, reconnectPeriod: 100, connectTimeout: 2000, keepalive: 60, clientId });
  c.on('error', () => {});
  return c;
}

test('mqtt: passes on a healthy broker with the PUBACK round trip; a round-trip message is never retained', { skip }, async () => {
  const c = await client(port);
  const watcher = await client(port);
  try {
    const topic = `probekit/health/test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const run = await runOnce(mqttCheck(c, { topic }), 2000);
    assert.equal(run.ok, true, run.message);
    assert.equal((run.value as { observedUnit: string }).observedUnit, 'ms');
    // A late subscriber sees no retained message on the topic.
    let retained = 0;
    watcher.on('message', () => (retained += 1));
    await watcher.subscribeAsync(topic, { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(retained, 0);
  } finally {
    await c.endAsync();
    await watcher.endAsync();
  }
});

test('mqtt: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'mqtt',
    target: { host, port },
    connect: (p) => client(p),
    disconnect: (c) => c.endAsync(true),
    check: (c) => mqttCheck(c),
    timeoutMs: 500,
    expect: {
      latency: /^mqtt: (timed out|previous PUBACK still pending)/,
      blackhole: /^mqtt: (timed out|previous PUBACK still pending)/,
      reset: /^mqtt: client is not connected \((reconnecting|connecting)\)$/,
      refuse: /^mqtt: client is not connected \((reconnecting|connecting)\)$/,
    },
  });
});

test('mqtt: 1,000 runs keep one connection to the broker', { skip, timeout: 120_000 }, async () => {
  const c = await client(port);
  try {
    const definition = mqttCheck(c);
    const before = await ownConnectionsTo(port);
    assert.equal(before.length, 1);
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.deepEqual(await ownConnectionsTo(port), before);
  } finally {
    await c.endAsync();
  }
  assert.equal((await runOnce(mqttCheck(c), 1000)).message, 'mqtt: client is not connected (disconnected)');
});

test('mqtt: the client and options are validated by name', () => {
  assert.throws(() => mqttCheck({} as never), /Expected `client` to be an mqtt.js MqttClient .* got `an object without them`/);
  const fake = { connected: true, reconnecting: false, disconnecting: false, publishAsync: async () => undefined };
  assert.throws(() => mqttCheck(fake, { topic: 'a/#' }), /Expected `topic` to be a topic name without wildcards, got `"a\/#"`/);
});

test('mqtt: 1,000 runs while the broker resets and refuses leave one connection', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: (p) => client(p),
    disconnect: (c) => c.endAsync(true),
    check: (c) => mqttCheck(c),
    timeoutMs: 1000,
    maxConnections: 1,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});
