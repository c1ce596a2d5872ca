import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from './engine/clock.js';
import { evaluate } from './engine/evaluate.js';
import { createHealth } from './health.js';

// Checks re-run only every 60 s of virtual time, which never passes here: whatever the probes
// answer after setReady()/fatal() comes from the call itself, not from a check interval.
function quietHealth() {
  const clock = new VirtualClock();
  const health = createHealth({ clock, env: {}, checkDefaults: { intervalMs: 60_000 } });
  health.readiness('db', () => undefined);
  return { clock, health };
}

async function bodyOf(url: string): Promise<[number, string]> {
  const res = await fetch(url);
  return [res.status, await res.text()];
}

/** Polls until the status matches: a snapshot reaches a worker thread as a message. */
async function settled(url: string, status: number): Promise<[number, string]> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const r = await bodyOf(url);
    if (r[0] === status) return r;
    if (performance.now() > deadline) assert.fail(`${url}: expected ${status}, got ${r[0]} ${JSON.stringify(r[1])}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const READY = '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[+]db ok\nreadyz check passed\n';

describe('setReady() and fatal(): controls from code', () => {
  test('setReady(false, reason) fails readiness in the very next snapshot with the reason; setReady(true) restores it; liveness never moves', async () => {
    const { clock, health } = quietHealth();
    try {
      await clock.advance(1);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, true);
      health.setReady(false, 'maintenance window');
      const down = evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 });
      assert.equal(down.ok, false);
      assert.deepEqual(
        down.lines.map((l) => [l.name, l.status, l.reason]),
        [
          ['eventloop', 'pass', undefined],
          ['startup', 'pass', undefined],
          ['shutdown', 'pass', undefined],
          ['manual', 'fail', 'maintenance window'],
          ['db', 'pass', undefined],
        ],
      );
      assert.equal(evaluate(health.snapshot(), 'liveness', { loopBlockedMs: 0 }).ok, true);
      assert.equal(health.snapshot().notReady, 'maintenance window');
      health.setReady(true);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, true);
      assert.equal(health.snapshot().notReady, undefined);
      health.setReady(false);
      assert.equal(health.snapshot().notReady, 'set not ready');
    } finally {
      await health.close();
    }
  });

  test('setReady(true) does not override a shutdown in progress or a failing check', async () => {
    const { clock, health } = quietHealth();
    let fail = true;
    health.readiness('cache', () => {
      if (fail) throw new Error('cache down');
    });
    try {
      await clock.advance(1);
      health.setReady(true);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, false, 'a failing check still fails readiness');
      fail = false;
      health.beginShutdown();
      health.setReady(true);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, false, 'the shutdown still fails readiness');
    } finally {
      await health.close();
    }
  });

  test('fatal(reason) fails liveness and readiness at once and is latched: the first reason stays, setReady(true) does not undo it', async () => {
    const { clock, health } = quietHealth();
    try {
      await clock.advance(1);
      health.fatal('config store corrupted');
      health.fatal('a later reason');
      health.setReady(true);
      const liveness = evaluate(health.snapshot(), 'liveness', { loopBlockedMs: 0 });
      assert.equal(liveness.ok, false);
      assert.deepEqual(liveness.lines.map((l) => [l.name, l.status, l.reason]), [
        ['eventloop', 'pass', undefined],
        ['fatal', 'fail', 'config store corrupted'],
      ]);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, false);
      assert.equal(health.fatalReason, 'config store corrupted');
    } finally {
      await health.close();
    }
  });

  test('bad arguments throw a TypeError naming the argument and the value got', () => {
    const { health } = quietHealth();
    try {
      assert.throws(() => health.setReady('no' as unknown as boolean), { name: 'TypeError', message: /`ready`.*got `"no"`/ });
      assert.throws(() => health.setReady(false, 42 as unknown as string), { name: 'TypeError', message: /`reason`.*got `42`/ });
      assert.throws(() => health.setReady(true, 'why'), { name: 'TypeError', message: 'Expected no `reason` with `setReady(true)`, got `"why"`' });
      assert.throws(() => health.fatal(''), { name: 'TypeError', message: 'Expected `reason` to be a non-empty string, got `""`' });
      assert.throws(() => health.check('manual', () => undefined, { probes: ['readiness'] }), { name: 'TypeError', message: /reserved/ });
    } finally {
      void health.close();
    }
  });

  test('over HTTP on the main thread, the very next /readyz and /livez answer the new state', async () => {
    const { clock, health } = quietHealth();
    await clock.advance(1);
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main' });
    try {
      assert.deepEqual(await bodyOf(server.url + '/readyz?verbose'), [200, READY]);
      health.setReady(false, 'draining for a migration');
      assert.deepEqual(await bodyOf(server.url + '/readyz?verbose'), [503, '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[-]manual failed: draining for a migration\n[+]db ok\nreadyz check failed\n']);
      assert.deepEqual(await bodyOf(server.url + '/livez'), [200, 'ok']);
      health.setReady(true);
      assert.deepEqual(await bodyOf(server.url + '/readyz?verbose'), [200, READY]);
      health.fatal('lost the license lease');
      assert.deepEqual(await bodyOf(server.url + '/livez?verbose'), [503, '[+]eventloop ok\n[-]fatal failed: lost the license lease\nlivez check failed\n']);
    } finally {
      await health.close();
    }
  });

  test('over HTTP on the worker thread, the change arrives without any check running (no virtual time passes)', async () => {
    const { clock, health } = quietHealth();
    await clock.advance(1);
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
    try {
      await settled(server.url + '/readyz', 200);
      health.setReady(false, 'paused');
      assert.deepEqual(await settled(server.url + '/readyz?verbose', 503), [503, '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[-]manual failed: paused\n[+]db ok\nreadyz check failed\n']);
      health.fatal('wedged');
      assert.deepEqual(await settled(server.url + '/livez', 503), [503, '[+]eventloop ok\n[-]fatal failed: wedged\nlivez check failed\n']);
    } finally {
      await health.close();
    }
  });
});
