import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { VirtualClock } from './engine/clock.js';
import { evaluate } from './engine/evaluate.js';
import { createHealth } from './health.js';

test('health.shutdownOn runs the shutdown on the health clock: readiness off at the signal, hooks after the drain delay, exit 0', async () => {
  const clock = new VirtualClock();
  const health = createHealth({ clock, env: {} });
  health.readiness('db', () => undefined);
  await clock.advance(1);
  const signals = new EventEmitter();
  const exits: number[] = [];
  const hooked: number[] = [];
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };
  const shutdown = health.shutdownOn({
    signalSource: signals,
    exit: (code) => exits.push(code),
    drainDelayMs: 3000,
    gracePeriodMs: 30_000,
    env: {},
    logger: { info: log, warn: log, error: log },
    hooks: [{ name: 'close-pool', run: () => hooked.push(clock.now()) }],
  });
  try {
    const start = clock.now();
    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, false);
    assert.equal(evaluate(health.snapshot(), 'liveness', { loopBlockedMs: 0 }).ok, true);
    await clock.advance(2999);
    assert.deepEqual(hooked, []);
    await clock.advance(1000);
    assert.deepEqual(hooked.map((at) => at - start), [3000]);
    assert.deepEqual(exits, [0]);
  } finally {
    shutdown.dispose();
    await health.close();
  }
});
