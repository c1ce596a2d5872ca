import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { evaluate } from '../engine/evaluate.js';
import { shutdownOn } from './shutdown.js';
import { listening, rig, until } from './test-fixtures/rig.js';

const readiness = (health: HealthEngine) => evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 });
const liveness = (health: HealthEngine) => evaluate(health.snapshot(), 'liveness', { loopBlockedMs: 0 });
const lineOf = (health: HealthEngine, name: string) => readiness(health).lines.find((l) => l.name === name);

describe('keepReadyDuringDrain', () => {
  test('readiness keeps passing through the whole drain delay and fails when it ends; the rest of the sequence is unchanged', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const r = rig({ servers: [server], drainDelayMs: 2000, keepReadyDuringDrain: true, checkServers: false });
    r.health.markStarted();
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(r.health.shuttingDown, false);
      await r.clock.advance(1999);
      assert.equal(readiness(r.health).ok, true, 'still ready 1 ms before the delay ends');
      await r.clock.advance(1);
      assert.equal(r.health.shuttingDown, true);
      assert.equal(readiness(r.health).ok, false);
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
      assert.deepEqual(r.events, ['begin@0', 'drain-delay@0', 'stop-accepting@2000', 'drained@2000', 'hooks@2000', 'exit@2000', 'exit 0@2000']);
      assert.match(r.logs[0]!, /^info SIGTERM received: readiness keeps passing through the drain delay \(keepReadyDuringDrain\)/);
      assert.ok(r.logs.includes('info drain delay over: readiness now fails'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('with no drain delay to keep ready through, readiness fails in the same turn as the signal, as without it', async () => {
    const r = rig({ drainDelayMs: 0, keepReadyDuringDrain: true });
    r.health.markStarted();
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(r.health.shuttingDown, true);
      assert.equal(readiness(r.health).ok, false);
      assert.equal(r.logs[0], 'info SIGTERM received: readiness now fails (liveness keeps passing); budget 28 s (grace period 30 s - margin 2 s)');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('off (the default): readiness fails in the same turn as the signal', async () => {
    const r = rig({ drainDelayMs: 2000 });
    r.health.markStarted();
    try {
      assert.equal(r.shutdown.options.keepReadyDuringDrain, false);
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(readiness(r.health).ok, false);
    } finally {
      await r.clock.advance(2000);
      await until('exit', () => r.exits.length > 0);
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});

describe('checkServers: the app port', () => {
  test('on by default with servers: a `listening` readiness line that passes while the server accepts and fails once its listener is gone', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const r = rig({ servers: [server] });
    r.health.markStarted();
    try {
      await r.clock.advance(1);
      await until('the first run', () => lineOf(r.health, 'listening')?.status === 'pass');
      // The listener dies (an error closed it); the probe server, elsewhere, would still answer.
      server.close();
      await r.clock.advance(5000);
      await r.clock.advance(1000);
      await until('the failing run', () => lineOf(r.health, 'listening')?.status === 'fail');
      assert.equal(readiness(r.health).ok, false);
      assert.equal(liveness(r.health).ok, true, 'a dead port is a readiness matter');
      assert.match(lineOf(r.health, 'listening')?.reason ?? '', /timed out|not listening/);
      assert.ok(port > 0);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('a listening handle closed under the server fails with what broke', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const r = rig({ servers: [server] });
    r.health.markStarted();
    try {
      await r.clock.advance(1);
      await until('the first run', () => lineOf(r.health, 'listening')?.status === 'pass');
      // The handle closes under the server object, which still reports its address.
      const handle = (server as unknown as { _handle: { close(): void } })._handle;
      handle.close();
      await r.clock.advance(5000);
      await until('the failing run', () => lineOf(r.health, 'listening')?.status === 'fail');
      assert.equal(lineOf(r.health, 'listening')?.reason, 'the server has a broken listener: address EBADF');
      assert.ok(port > 0);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('no check without servers, with checkServers: false, or for a health that has no readiness(); one check for several servers', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const { server: other } = await listening((_req, res) => res.end('other'));
    const clock = new VirtualClock();
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const base = { signalSource: new EventEmitter(), exit: () => {}, logger: quiet, env: {}, clock };
    const a = new HealthEngine({ clock });
    const b = new HealthEngine({ clock });
    try {
      shutdownOn(a, { ...base }).dispose();
      shutdownOn(b, { ...base, servers: [server], checkServers: false }).dispose();
      shutdownOn({ beginShutdown: () => {} }, { ...base, servers: [server] }).dispose();
      assert.deepEqual([a.snapshot().checks.length, b.snapshot().checks.length], [0, 0]);
      const c = new HealthEngine({ clock });
      const s = shutdownOn(c, { ...base });
      s.server(server);
      assert.deepEqual(c.snapshot().checks.map((check) => check.name), ['listening'], 'added with the first server, also a late one');
      s.server(other);
      assert.deepEqual(c.snapshot().checks.map((check) => check.name), ['listening'], 'one check covers every server');
      s.dispose();
      c.stop();
    } finally {
      a.stop();
      b.stop();
      server.close();
      other.close();
    }
  });
});

describe('uncaughtErrors', () => {
  test("'shutdown': an uncaught exception is logged with its stack, fails liveness and readiness, drains and exits 1", async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const r = rig({ servers: [server], drainDelayMs: 1000, uncaughtErrors: 'shutdown', hooks: [{ name: 'pool', run: () => {} }], checkServers: false });
    r.health.markStarted();
    try {
      r.signals.emit('uncaughtException', new Error('boom in a handler'), 'uncaughtException');
      assert.equal(liveness(r.health).ok, false);
      assert.deepEqual(liveness(r.health).lines.find((l) => l.name === 'fatal')?.reason, 'uncaughtException: boom in a handler');
      assert.equal(readiness(r.health).ok, false);
      assert.match(r.logs[0]!, /^error uncaughtException: Error: boom in a handler\n {4}at /);
      // A second error during the shutdown is logged, nothing more.
      r.signals.emit('unhandledRejection', new Error('later'), Promise.resolve());
      assert.match(r.logs.find((l) => l.startsWith('error unhandledRejection during the shutdown')) ?? '', /later/);
      await r.clock.advance(1000);
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [1]);
      assert.ok(r.events.includes('hook pool ok@0'), 'hooks still ran');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test("'fail-liveness': an unhandled rejection fails liveness and nothing else happens; a non-Error reason is named", async () => {
    const r = rig({ uncaughtErrors: 'fail-liveness' });
    try {
      r.signals.emit('unhandledRejection', 'plain string', Promise.resolve());
      assert.equal(liveness(r.health).lines.find((l) => l.name === 'fatal')?.reason, 'unhandledRejection: Non-error was thrown: "plain string"');
      assert.equal(r.shutdown.phase, undefined);
      assert.deepEqual(r.exits, []);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test("'fail-liveness' with a health that has no fatal(): the error is logged and nothing throws", () => {
    const logs: string[] = [];
    const signals = new EventEmitter();
    const s = shutdownOn({ beginShutdown: () => {} }, { signalSource: signals, exit: () => {}, env: {}, clock: new VirtualClock(), uncaughtErrors: 'fail-liveness', logger: { info: () => {}, warn: () => {}, error: (m) => void logs.push(m) } });
    try {
      signals.emit('unhandledRejection', new Error('lost'), Promise.resolve());
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /^unhandledRejection: Error: lost\n {4}at /);
      assert.equal(s.phase, undefined);
    } finally {
      s.dispose();
    }
  });

  test("'node-default' installs no handler; dispose() removes the ones installed", () => {
    const off = rig();
    const on = rig({ uncaughtErrors: 'shutdown' });
    try {
      assert.deepEqual([off.signals.listenerCount('uncaughtException'), off.signals.listenerCount('unhandledRejection')], [0, 0]);
      assert.deepEqual([on.signals.listenerCount('uncaughtException'), on.signals.listenerCount('unhandledRejection')], [1, 1]);
      on.shutdown.dispose();
      assert.deepEqual([on.signals.listenerCount('uncaughtException'), on.signals.listenerCount('unhandledRejection')], [0, 0]);
    } finally {
      off.shutdown.dispose();
      off.health.stop();
      on.health.stop();
    }
  });
});
