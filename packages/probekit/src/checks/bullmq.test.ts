import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Queue, Worker, type Job } from 'bullmq';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { HealthEngine } from '../engine/engine.js';
import { createFaultProxy } from '../testing/fault-proxy.js';
import { bullmqQueueCheck, bullmqWorkerCheck } from './bullmq.js';
import { faultChurn, faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const skip = await skipUnless('redis');
const { host, port } = SERVICES.redis;
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
let serial = 0;
const queueName = () => `probekit-test-${RUN}-${++serial}`;

function queue(name: string, toPort: number = port): Queue {
  const q = new Queue(name, { connection: { host, port: toPort, connectTimeout: 2000 } });
  q.on('error', () => {}); // connection errors during faults are the check's to report
  return q;
}

async function remove(q: Queue): Promise<void> {
  // Our own uniquely named queue only: never a flush.
  await q.obliterate({ force: true }).catch(() => {});
  await q.close();
}

test('bullmq queue: passes on a healthy Redis with the round trip and the paused state in its details', { skip }, async () => {
  const q = queue(queueName());
  try {
    const run = await runOnce(bullmqQueueCheck(q), 2000);
    assert.equal(run.ok, true, run.message);
    const details = run.value as Record<string, unknown>;
    assert.equal(details['observedUnit'], 'ms');
    assert.equal(details['measurement'], 'responseTime');
    assert.equal(details['output'], `queue ${JSON.stringify(q.name)}`);
    await q.pause();
    assert.equal(((await runOnce(bullmqQueueCheck(q), 2000)).value as Record<string, unknown>)['output'], `queue ${JSON.stringify(q.name)} (paused)`);
  } finally {
    await remove(q);
  }
});

test('bullmq queue: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  const name = queueName();
  await faultMatrix({
    kind: 'bullmq',
    target: { host, port },
    connect: async (p) => queue(name, p),
    disconnect: (q) => q.close(),
    check: (q) => bullmqQueueCheck(q),
    timeoutMs: 500,
    expect: {
      latency: /^bullmq: timed out after 500 ms$/,
      blackhole: /^bullmq: timed out after 500 ms$/,
      reset: /^bullmq: Redis connection of queue "[^"]+" is not ready \(status: (reconnecting|connecting)\)$/,
      refuse: /^bullmq: Redis connection of queue "[^"]+" is not ready \(status: (reconnecting|connecting)\)$/,
    },
  });
});

test('bullmq queue: 1,000 runs leave the Queue\'s connection alone', { skip, timeout: 120_000 }, async () => {
  const q = queue(queueName());
  try {
    const definition = bullmqQueueCheck(q);
    assert.equal((await runOnce(definition, 2000)).ok, true);
    const before = (await ownConnectionsTo(port)).length;
    for (let i = 0; i < 1000; i++) {
      const run = await runOnce(definition, 2000);
      assert.equal(run.ok, true, `run ${i}: ${run.message}`);
    }
    assert.equal((await ownConnectionsTo(port)).length, before);
    assert.equal(before, 1);
  } finally {
    await remove(q);
  }
});

test('bullmq queue: 1,000 runs while Redis resets and refuses leave only the Queue\'s connection', { skip, timeout: 180_000 }, async () => {
  const name = queueName();
  const result = await faultChurn({
    target: { host, port },
    connect: async (p) => queue(name, p),
    disconnect: (q) => q.close(),
    check: (q) => bullmqQueueCheck(q),
    timeoutMs: 1000,
    maxConnections: 1,
  });
  assert.ok(result.passed > 0 && result.failed > 0, JSON.stringify(result));
});

test('bullmq worker: fails while a job hangs past maxJobMs, passes once it settles, fails once closed', { skip, timeout: 60_000 }, async () => {
  const name = queueName();
  const q = queue(name);
  let release: (() => void) | undefined;
  let started: () => void = () => {};
  const processing = new Promise<void>((resolve) => (started = resolve));
  // NOTE: BullMQ emits 'active' before it calls the processor: wait for the processor itself.
  const worker = new Worker(
    name,
    (job: Job) => {
      if (job.name !== 'hang') return Promise.resolve();
      started();
      return new Promise<void>((resolve) => (release = resolve));
    },
    { connection: { host, port } },
  );
  let clock = 0;
  const definition = bullmqWorkerCheck(worker, { maxJobMs: 1000, now: () => clock });
  try {
    await worker.waitUntilReady();
    assert.deepEqual(await definition.check(new AbortController().signal), { observedValue: 0, observedUnit: 'ms', measurement: 'oldestActiveJob', componentType: 'component', output: 'running, 0 active' });
    const job = await q.add('hang', {});
    await processing;
    clock += 900;
    assert.equal((await runOnce(definition, 1000)).ok, true);
    clock += 600;
    assert.equal((await runOnce(definition, 1000)).message, `bullmq: job ${job.id} on queue ${JSON.stringify(name)} has been active for 1500 ms (maxJobMs 1000)`);
    const completed = new Promise((resolve) => worker.once('completed', resolve));
    release!();
    await completed;
    const after = await runOnce(definition, 1000);
    assert.equal(after.ok, true, after.message);
    assert.equal((after.value as Record<string, unknown>)['output'], 'running, 0 active');
    await worker.close();
    assert.equal((await runOnce(definition, 1000)).message, `bullmq: worker for queue ${JSON.stringify(name)} is closed`);
  } finally {
    definition.stop();
    release?.();
    await worker.close();
    await remove(q);
  }
});

test('bullmq worker: a Redis partition does not fail it (no Redis call: safe on liveness)', { skip, timeout: 60_000 }, async () => {
  const proxy = await createFaultProxy({ target: { host, port } });
  const name = queueName();
  const worker = new Worker(name, async () => {}, { connection: { host, port: proxy.port } });
  worker.on('error', () => {});
  const definition = bullmqWorkerCheck(worker);
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    await worker.waitUntilReady();
    engine.liveness('worker', definition, { intervalMs: 100, timeoutMs: 500 });
    await proxy.setMode('blackhole');
    for (let i = 0; i < 5; i++) {
      const run = await runOnce(definition, 500);
      assert.equal(run.ok, true, run.message);
    }
    await proxy.setMode('refuse');
    assert.equal((await runOnce(definition, 500)).ok, true);
    assert.equal(engine.snapshot().checks[0]!.dependency, false);
  } finally {
    engine.stop();
    definition.stop();
    await proxy.setMode('pass');
    await worker.close(true);
    await proxy.close();
    const q = queue(name);
    await remove(q);
  }
});

test('bullmq: the queue check is refused on liveness; stop() removes the worker check\'s listeners', { skip }, async () => {
  const name = queueName();
  const q = queue(name);
  const worker = new Worker(name, async () => {}, { connection: { host, port }, autorun: false });
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    assert.throws(() => engine.liveness('queue', bullmqQueueCheck(q)), /Refusing to register dependency check `queue` on liveness/);
    const before = worker.listenerCount('active');
    const definition = bullmqWorkerCheck(worker);
    assert.equal(worker.listenerCount('active'), before + 1);
    assert.equal((await runOnce(definition, 500)).message, `bullmq: worker for queue ${JSON.stringify(name)} is not running`);
    definition.stop();
    assert.equal(worker.listenerCount('active'), before);
  } finally {
    engine.stop();
    await worker.close();
    await remove(q);
  }
});

test('bullmq: options and handles are validated by name', () => {
  assert.throws(() => bullmqQueueCheck({} as never), /Expected `queue` to be a BullMQ Queue, got `a plain object` \(missing `isPaused\(\)`, `add\(\)`\)/);
  assert.throws(() => bullmqWorkerCheck({} as never), /Expected `worker` to be a BullMQ Worker, got `a plain object`/);
  const fake = { name: 'q', isRunning: () => true, isPaused: () => false, on: () => {}, off: () => {} };
  assert.throws(() => bullmqWorkerCheck(fake, { maxJobMs: 0 }), /Expected `maxJobMs` to be a positive integer, got `0`/);
  assert.throws(() => bullmqWorkerCheck(fake, { maxJob: 1 } as never), /Unknown option `maxJob` in bullmqWorkerCheck\(\) options/);
});
