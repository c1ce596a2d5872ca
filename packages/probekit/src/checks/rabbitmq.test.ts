import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import amqp from 'amqplib';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { createFaultProxy } from '../testing/fault-proxy.js';
import { rabbitmqCheck, type AmqpConnectionLike } from './rabbitmq.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce, untilPasses } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('rabbitmq');
const { host, port } = SERVICES.rabbitmq;
const NAME = `probekit-test-${process.pid}`;

function url(toPort: number): string {
  return `amqp://guest:guest@${host}:${toPort}`;
}

async function recovering(toPort: number): Promise<AmqpConnectionLike & { close(): Promise<void> }> {
  const model = (await amqp.connect(url(toPort), {
    clientProperties: { connection_name: NAME },
    recovery: { initialDelay: 100, maxDelay: 300 },
  } as never)) as unknown as AmqpConnectionLike & { close(): Promise<void>; on(e: string, l: () => void): unknown };
  model.on('error', () => {}); // the app's own handler; resets are the point of the test
  return model;
}

/** Server-side, from rabbitmqctl: [connections, channels] carrying this test's connection name. */
function serverCounts(): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', 'list_connections', 'client_properties', 'channels'], (error, stdout) => {
      if (error) return reject(error);
      const ours = stdout.split('\n').filter((line) => line.includes(NAME));
      resolve([ours.length, ours.reduce((n, line) => n + Number(line.trim().split(/\s+/).at(-1)), 0)]);
    });
  });
}

test('rabbitmq: passes on a healthy broker; the passive queue check reports counts and never creates a queue', { skip }, async () => {
  const model = await amqp.connect(url(port));
  try {
    const run = await runOnce(rabbitmqCheck(model), 2000);
    assert.equal(run.ok, true, run.message);
    assert.equal((run.value as { observedUnit: string }).observedUnit, 'ms');
    const queue = `probekit-check-${process.pid}`;
    const missing = await runOnce(rabbitmqCheck(model, { queue }), 2000);
    assert.equal(missing.message, `rabbitmq: Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue '${queue}' in vhost '/'"`);
    const ch = await model.createChannel();
    await ch.assertQueue(queue, { autoDelete: true, exclusive: true });
    const found = await runOnce(rabbitmqCheck(model, { queue }), 2000);
    assert.equal((found.value as { output: string }).output, `queue ${queue}: 0 messages, 0 consumers`);
    await ch.close();
  } finally {
    await model.close();
  }
});

test('rabbitmq: fails under refuse, reset, blackhole and latency, and recovers each time (recovering connection)', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'rabbitmq',
    target: { host, port },
    connect: (p) => recovering(p),
    disconnect: (m) => m.close(),
    check: (m) => rabbitmqCheck(m),
    timeoutMs: 500,
    expect: {
      latency: /^rabbitmq: (timed out|previous channel open still pending)/,
      blackhole: /^rabbitmq: (timed out|previous channel open still pending)/,
      reset: /^rabbitmq: connection is closed \(.*\)$/,
      refuse: /^rabbitmq: connection is closed \(.*\)$/,
    },
  });
});

test('rabbitmq: a plain connection that was reset fails with the reason until the app replaces it', { skip, timeout: 60_000 }, async () => {
  const proxy = await createFaultProxy({ target: { host, port } });
  let current: amqp.ChannelModel | undefined = await amqp.connect(url(proxy.port));
  current.on('error', () => {});
  try {
    const definition = rabbitmqCheck(() => current);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const closed = new Promise((resolve) => current!.once('close', resolve));
    await proxy.setMode('reset');
    await closed;
    await proxy.setMode('pass');
    const failed = await runOnce(definition, 2000);
    assert.match(failed.message, /^rabbitmq: connection is closed \(.+\)$/);
    current = await amqp.connect(url(proxy.port));
    await untilPasses(definition, 2000, 5000);
  } finally {
    await current?.close().catch(() => {});
    await proxy.close();
  }
});

test('rabbitmq: 1,000 runs leave the broker with the same connections and no channel', { skip, timeout: 180_000 }, async () => {
  const model = await amqp.connect(url(port), { clientProperties: { connection_name: NAME } });
  try {
    const definition = rabbitmqCheck(model);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const before = await serverCounts();
    const socketsBefore = (await ownConnectionsTo(port)).length;
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    await new Promise((r) => setTimeout(r, 200)); // the last channel.close round trip
    assert.deepEqual(await serverCounts(), [before[0], 0]);
    assert.equal(before[0], 1);
    assert.equal((await ownConnectionsTo(port)).length, socketsBefore);
  } finally {
    await model.close();
  }
});

test('rabbitmq: the connection and options are validated by name', () => {
  assert.throws(() => rabbitmqCheck({} as never), /Expected `connection` to be an amqplib ChannelModel .* got `an object without createChannel\(\) and on\(\)`/);
  assert.throws(() => rabbitmqCheck(() => undefined, { queues: [] } as never), /Unknown option `queues` in rabbitmqCheck\(\) options/);
});

test('rabbitmq: 1,000 runs while the broker resets and refuses leave one connection and no channel', { skip, timeout: 180_000 }, async () => {
  const result = await faultChurn({
    target: { host, port },
    connect: (p) => recovering(p),
    disconnect: (m) => m.close(),
    check: (m) => rabbitmqCheck(m),
    timeoutMs: 1000,
    maxConnections: 1,
    serverConnections: async () => {
      const [connections, channels] = await serverCounts();
      assert.equal(channels, 0, 'no channel left open');
      return connections;
    },
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});
