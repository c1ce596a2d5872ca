import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { MAX_BODY_BYTES, render } from './render.js';

const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

async function engineWith(register: (engine: HealthEngine) => void): Promise<HealthEngine> {
  const clock = new VirtualClock();
  const engine = new HealthEngine({ clock });
  register(engine);
  await clock.advance(1);
  return engine;
}

describe('render under hostile names and many checks', () => {
  test('checks named like Object.prototype members render as JSON like any other name', async () => {
    const engine = await engineWith((e) => {
      for (const [i, name] of PROTOTYPE_NAMES.entries()) e.readiness(name, i % 2 === 0 ? () => undefined : () => Promise.reject(new Error('down')));
    });
    try {
      for (const request of [
        { method: 'GET', url: '/readyz?format=json' },
        { method: 'GET', url: '/healthz', accept: 'application/json' },
      ]) {
        const response = render(engine.snapshot(), request, { now: engine.clock.now(), loopBlockedMs: 0 });
        assert.equal(response.status, 503);
        const doc = JSON.parse(response.body) as { checks: Record<string, { status: string }[]> };
        for (const [i, name] of PROTOTYPE_NAMES.entries()) {
          assert.deepEqual(doc.checks[name]?.map((c) => c.status), [i % 2 === 0 ? 'pass' : 'fail'], name);
        }
      }
    } finally {
      engine.stop();
    }
  });

  test('a request-target that is an Object.prototype key is no probe path: 404', async () => {
    const engine = await engineWith((e) => e.readiness('db', () => Promise.reject(new Error('down'))));
    try {
      for (const url of ['__proto__', 'constructor', 'toString?format=json', 'hasOwnProperty/db', '/__proto__', '/constructor/db']) {
        const response = render(engine.snapshot(), { method: 'GET', url }, { now: engine.clock.now(), loopBlockedMs: 0 });
        assert.deepEqual([response.status, response.body], [404, 'not found\n'], url);
      }
    } finally {
      engine.stop();
    }
  });

  test('JSON with 1,000 checks is cut to 10 KiB: failing entries kept in order, passing ones counted in a note', async () => {
    const engine = await engineWith((e) => {
      for (let i = 0; i < 1000; i++) e.readiness(`check-${String(i).padStart(4, '0')}`, i % 10 === 0 ? () => Promise.reject(new Error('down')) : () => undefined);
    });
    try {
      const response = render(engine.snapshot(), { method: 'GET', url: '/readyz?format=json' }, { now: engine.clock.now(), loopBlockedMs: 0 });
      assert.ok(Buffer.byteLength(response.body) <= MAX_BODY_BYTES, `${Buffer.byteLength(response.body)} bytes`);
      const doc = JSON.parse(response.body) as { notes: string[]; checks: Record<string, { status: string }[]> };
      // 100 failing entries of about 70 bytes fit; all 900 passing checks and the 3 built-in lines are dropped.
      assert.deepEqual(Object.keys(doc.checks), Array.from({ length: 100 }, (_, i) => `check-${String(i * 10).padStart(4, '0')}`));
      assert.deepEqual(doc.notes, ['903 passing checks omitted (body limit 10 KiB)']);
    } finally {
      engine.stop();
    }
  });

  test('when failing entries alone exceed 10 KiB, the last ones are dropped and the note counts every omitted check', async () => {
    const engine = await engineWith((e) => {
      for (let i = 0; i < 1000; i++) e.readiness(`failing-${String(i).padStart(4, '0')}`, () => Promise.reject(new Error('down')));
      e.readiness('passing', () => undefined);
    });
    try {
      const response = render(engine.snapshot(), { method: 'GET', url: '/readyz?format=json' }, { now: engine.clock.now(), loopBlockedMs: 0 });
      const size = Buffer.byteLength(response.body);
      assert.ok(size <= MAX_BODY_BYTES, `${size} bytes`);
      const doc = JSON.parse(response.body) as { notes: string[]; checks: Record<string, unknown> };
      const kept = Object.keys(doc.checks);
      assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => `failing-${String(i).padStart(4, '0')}`), 'a prefix, in order');
      // 1,001 checks and the 3 built-in lines (eventloop, startup, shutdown).
      assert.deepEqual(doc.notes, [`${1004 - kept.length} checks omitted (body limit 10 KiB)`]);
      // Nearly full: one more entry (about 60 bytes) would not have fitted.
      assert.ok(size > MAX_BODY_BYTES - 120, `${size} bytes`);
    } finally {
      engine.stop();
    }
  });
});
