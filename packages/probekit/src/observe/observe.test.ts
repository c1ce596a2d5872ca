import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { attachLogger } from './index.js';
import { detectStyle } from './logger.js';

/** Records calls as [level, ...args]. */
function recorder() {
  const calls: unknown[][] = [];
  const make = (level: string) => (message: unknown) => void calls.push([level, message]);
  return { calls, logger: { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') } };
}

describe('transition logs', () => {
  test('one line per transition, never per run: "readyz: redis failed: … (was ok for 3h12m)" and the recovery', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    const { calls, logger } = recorder();
    const handle = attachLogger(health, logger);
    let up = true;
    try {
      health.readiness('redis', () => (up ? undefined : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))), { intervalMs: 5000, failingIntervalMs: 1000 });
      await clock.advance(1);
      await clock.advance(3 * 3600_000 + 12 * 60_000 - 1);
      up = false;
      // Every 5 s while passing: the first run after the flip falls due at most 5 s later.
      await clock.advance(5000);
      // Twenty failing runs, one line.
      await clock.advance(20_000);
      up = true;
      await clock.advance(1000);
      assert.deepEqual(calls, [
        ['info', 'startupz: startup complete after 0 ms'],
        ['info', 'readyz: redis ok (first result after 0 ms)'],
        ['warn', 'readyz: redis failed: connect ECONNREFUSED 127.0.0.1:6379 (was ok for 3h12m)'],
        ['info', 'readyz: redis ok (was failed for 21 s)'],
      ]);
      health.beginShutdown();
      handle.phase('drain', { delayMs: 5000 }, 'shutdown: waiting 5 s for endpoints to drop this pod');
      assert.deepEqual(calls.slice(4), [
        ['info', 'readyz: shutting down, readiness now fails (liveness unchanged)'],
        ['info', 'shutdown: waiting 5 s for endpoints to drop this pod'],
      ]);
    } finally {
      handle.detach();
      health.stop();
    }
  });

  test('a stale liveness heartbeat is an error line (a restart follows)', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    const { calls, logger } = recorder();
    const handle = attachLogger(health, logger);
    try {
      health.heartbeat('consumer', { timeoutMs: 30_000 });
      await clock.advance(31_000);
      assert.deepEqual(calls.filter((c) => String(c[1]).startsWith('livez')), [['error', 'livez: consumer failed: no heartbeat within 30 s (was ok for 30 s)']]);
    } finally {
      handle.detach();
      health.stop();
    }
  });

  test('pino gets (fields, message): its JSON line carries the check, states and reason', async () => {
    const out: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => { out.push(chunk.toString()); cb(); } });
    const logger = pino({ base: null, timestamp: false }, sink);
    assert.equal(detectStyle(logger), 'object-first');
    assert.equal(detectStyle(console), 'message-first');
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    const handle = attachLogger(health, logger);
    try {
      health.readiness('db', () => Promise.reject(new Error('password authentication failed')));
      await clock.advance(1);
      const line = JSON.parse(out.find((l) => l.includes('"check":"db"'))!) as Record<string, unknown>;
      assert.deepEqual(line, {
        level: 40,
        event: 'probekit.transition',
        check: 'db',
        probes: ['readiness'],
        from: 'pending',
        to: 'fail',
        reason: 'password authentication failed',
        previousStateMs: 0,
        msg: 'readyz: db failed: password authentication failed (first result after 0 ms)',
      });
    } finally {
      handle.detach();
      health.stop();
    }
  });

  test('a throwing logger never breaks the engine; a non-logger is refused naming the option', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    const handle = attachLogger(health, { info: () => { throw new Error('disk full'); }, warn: () => { throw new Error('disk full'); } });
    try {
      health.readiness('db', () => undefined);
      await clock.advance(1);
      assert.equal(health.snapshot().checks[0]?.status, 'pass');
      assert.throws(() => attachLogger(health, 42 as never), { message: 'Expected `logger` to be an object with `info`/`warn`/`error` methods (console, pino, …), got `42`' });
    } finally {
      handle.detach();
      health.stop();
    }
  });
});
