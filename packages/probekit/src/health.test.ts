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

test('createHealth names every option it accepts when given an unknown one', () => {
  assert.throws(() => createHealth({ prot: 8081 } as never), {
    name: 'TypeError',
    message:
      'Unknown option `prot` in createHealth() options; expected one of `maxBlockMs`, `maxLagMs`, `watchdogIntervalMs`, `manualStartup`, `allowLivenessDependencies`, `checkDefaults`, `clock`, `port`, `host`, `thread`, `detailsToken`, `env`, `logger`, `metrics`, `forensics`',
  });
});

test('health.shutdownOn logs through the logger given to createHealth unless it is given its own', async () => {
  const clock = new VirtualClock();
  const lines: string[] = [];
  const logger = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  const health = createHealth({ clock, env: {}, logger });
  const signals = new EventEmitter();
  const exits: number[] = [];
  health.shutdownOn({ signalSource: signals, exit: (code) => exits.push(code), drainDelayMs: 0, env: {} });
  signals.emit('SIGTERM', 'SIGTERM');
  await clock.advance(1000);
  assert.deepEqual(exits, [0]);
  assert.ok(lines.some((l) => l.startsWith('info ') && /SIGTERM/.test(l)), `the shutdown's own lines reached the createHealth logger: ${JSON.stringify(lines)}`);
  await health.close();
});

test('listen() after close() throws HealthClosedError, as the engine does', async () => {
  const health = createHealth({ env: {} });
  await health.close();
  await assert.rejects(health.listen({ port: 0 }), { name: 'HealthClosedError' });
});
