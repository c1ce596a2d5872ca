import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { shutdownOn } from './shutdown.js';

function rig() {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const signals = new EventEmitter();
  const exits: number[] = [];
  const quiet = () => {};
  const shutdown = shutdownOn(health, {
    clock,
    signalSource: signals,
    exit: (code) => exits.push(code),
    logger: { info: quiet, warn: quiet, error: quiet },
    env: {},
    drainDelayMs: 1000,
    hooks: [{ name: 'from options', run: () => void order.push('from options') }],
  });
  const order: string[] = [];
  return { clock, health, signals, exits, shutdown, order };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  // Real I/O (the server closing) settles outside virtual time; the bound is for a busy machine.
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('hooks and servers added after shutdownOn()', () => {
  test('run and drain like the ones passed as options, hooks in reverse registration order', async () => {
    const r = rig();
    const server: Server = createServer((_req, res) => res.end('app'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      r.shutdown.hook('pool', () => void r.order.push('pool'));
      r.shutdown.hook('tracer', () => void r.order.push('tracer'), { timeoutMs: 500 });
      r.shutdown.server(server);
      assert.deepEqual(r.shutdown.options.hooks.map((h) => h.name), ['from options', 'pool', 'tracer']);
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(999);
      assert.equal(server.listening, true, 'the late server still serves through the drain delay');
      assert.deepEqual(r.order, []);
      await r.clock.advance(1);
      await until('exit', () => r.exits.length > 0);
      assert.equal(server.listening, false, 'the late server was drained and closed');
      assert.deepEqual(r.order, ['tracer', 'pool', 'from options']);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('are refused once the shutdown started, naming what was added', async () => {
    const r = rig();
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.throws(() => r.shutdown.hook('late', () => undefined), { message: 'Cannot add hook `late`: the shutdown already started' });
      assert.throws(() => r.shutdown.server(createServer()), { message: 'Cannot add a server: the shutdown already started' });
      await r.clock.advance(1000);
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.order, ['from options']);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('a hook added later with a bad timeout is refused by name', () => {
    const r = rig();
    try {
      assert.throws(() => r.shutdown.hook('pool', () => undefined, { timeoutMs: 0 }), TypeError);
      assert.throws(() => r.shutdown.server({} as never), TypeError);
      assert.deepEqual(r.shutdown.options.hooks.map((h) => h.name), ['from options']);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});
