import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { drainInLifecycle, type LifecycleShutdownOptions } from './lifecycle.js';
import { get, listening, tick, until } from './test-fixtures/rig.js';

function rig(options: LifecycleShutdownOptions = {}) {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const exits: number[] = [];
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  const lifecycle = drainInLifecycle(health, { clock, exit: (code) => exits.push(code), logger, env: {}, ...options });
  return { clock, health, exits, logs, lifecycle };
}




describe('the drain inside a framework lifecycle', () => {
  test('drain(): readiness fails at once, the server serves through the drain delay, an in-flight request finishes, and nothing exits', async () => {
    let release: (() => void) | undefined;
    const { server, port } = await listening((req, res) => {
      if (req.url === '/slow') release = () => res.end('slow done');
      else res.end('app');
    });
    const r = rig({ servers: [server], drainDelayMs: 2000 });
    const agent = new Agent({ keepAlive: true });
    try {
      const slow = get(port, '/slow', agent);
      await until('the slow request to arrive', () => release !== undefined);
      let settled: number | undefined;
      const drained = r.lifecycle.drain('SIGTERM received').then((code) => (settled = code));
      assert.equal(r.health.shuttingDown, true, 'readiness fails in the same turn');
      await r.clock.advance(1999);
      const during = await get(port, '/', agent);
      assert.deepEqual([during.status, during.body], [200, 'app'], 'still serving 1 ms before the drain delay ends');
      await r.clock.advance(1);
      await until('the server to stop accepting', () => r.lifecycle.phase === 'stop-accepting');
      await tick(50);
      assert.equal(settled, undefined, 'the drain waits for the in-flight request');
      release?.();
      assert.deepEqual(await slow, { status: 200, connection: 'close', body: 'slow done' });
      assert.equal(await drained, 0);
      assert.equal(server.listening, false);
      assert.deepEqual(r.exits, [], 'the framework, not the drain, ends the process');
      assert.deepEqual(r.logs, [
        'info SIGTERM received: readiness now fails (liveness keeps passing); budget 23 s (grace period 30 s - margin 2 s - 5 s kept for the framework)',
        'info serving normally for 2 s (drainDelayMs) so endpoint removal reaches the load balancers',
        'info stopped accepting on 1 server(s); idle keep-alive connections closed; waiting for 1 in-flight request(s)',
        'info drained (code 0) after 2 s; the framework shuts down the rest',
      ]);
      r.lifecycle.done();
      await r.clock.advance(60_000);
      assert.deepEqual(r.exits, [], 'done() cancels the deadline');
    } finally {
      agent.destroy();
      r.lifecycle.done();
      r.health.stop();
      server.close();
    }
  });

  test('drain() runs once however often called, and installs no signal handler', async () => {
    const before = process.listenerCount('SIGTERM');
    const r = rig();
    try {
      assert.equal(process.listenerCount('SIGTERM'), before);
      const first = r.lifecycle.drain();
      assert.equal(r.lifecycle.drain(), first);
      assert.equal(await first, 0);
    } finally {
      r.lifecycle.done();
      r.health.stop();
    }
  });

  test('the framework time is kept: a request that never ends is cut at gracePeriodMs - marginMs - frameworkMs, exit code 1 from drain()', async () => {
    let arrived = false;
    const { server, port } = await listening(() => void (arrived = true));
    const r = rig({ servers: [server], gracePeriodMs: 10_000, marginMs: 1000, frameworkMs: 4000 });
    const agent = new Agent({ keepAlive: true });
    const stuck = get(port, '/stuck', agent).catch((error: NodeJS.ErrnoException) => error.code);
    try {
      await until('the stuck request to reach the server', () => arrived);
      let settled: number | undefined;
      void r.lifecycle.drain().then((code) => (settled = code));
      await r.clock.advance(4999);
      assert.equal(settled, undefined, 'still waiting 1 ms before the drain window (10 s - 1 s - 4 s) ends');
      await r.clock.advance(1);
      await until('the drain to end', () => settled !== undefined);
      assert.equal(settled, 1);
      assert.equal(await stuck, 'ECONNRESET');
      assert.match(r.logs.find((l) => l.startsWith('error 1 request(s) still in flight')) ?? r.logs.join('\n'), /GET \/stuck/);
      assert.deepEqual(r.exits, []);
    } finally {
      agent.destroy();
      r.lifecycle.done();
      r.health.stop();
      server.close();
    }
  });

  test('a framework shutdown that overruns the grace period is ended at gracePeriodMs - marginMs with code 1', async () => {
    const r = rig({ gracePeriodMs: 10_000, marginMs: 1000, frameworkMs: 3000 });
    try {
      assert.equal(await r.lifecycle.drain('SIGTERM received'), 0);
      await r.clock.advance(8999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1]);
      assert.equal(r.logs.at(-1), 'error grace period budget of 9 s (gracePeriodMs - marginMs) used up 9 s after SIGTERM received: the framework\'s shutdown did not finish; exiting with code 1');
    } finally {
      r.lifecycle.done();
      r.health.stop();
    }
  });

  test('options are validated, naming the option and the value', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    try {
      assert.throws(() => drainInLifecycle(health, { frameworkMs: -1 }), { name: 'TypeError', message: 'Expected `frameworkMs` to be a non-negative integer, got `-1`' });
      assert.throws(() => drainInLifecycle(health, { gracePeriodMs: 5000, frameworkMs: 3000 }), { name: 'TypeError', message: 'Expected `frameworkMs` to be less than `gracePeriodMs - marginMs` (3000), got `3000`' });
      assert.throws(() => drainInLifecycle(health, { drainDelayMs: 1.5 }), { name: 'TypeError', message: /`drainDelayMs`.*`1\.5`/ });
      assert.throws(() => drainInLifecycle(health, { signals: ['SIGTERM'] } as unknown as LifecycleShutdownOptions), { name: 'TypeError', message: /signals/ });
      assert.throws(() => drainInLifecycle({} as never), { name: 'TypeError', message: /^Expected the first argument of drainInLifecycle\(\) to be the health/ });
    } finally {
      health.stop();
    }
  });
});
