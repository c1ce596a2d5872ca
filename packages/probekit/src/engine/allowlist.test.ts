import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from './clock.js';
import { HealthEngine, type EngineOptions } from './engine.js';

function engine(options: Omit<EngineOptions, 'clock'> = {}): HealthEngine {
  return new HealthEngine({ ...options, clock: new VirtualClock() });
}

const isRestartStorm = (name: string) => (error: unknown) =>
  error instanceof TypeError && error.message.startsWith(`Refusing to register dependency check \`${name}\` on liveness.`);

describe('the restart-storm refusal and its allowlist', () => {
  test('allowing one dependency on liveness allows that one by name and still refuses every other', () => {
    const health = engine({ allowLivenessDependencies: ['postgres'] });
    try {
      health.liveness('postgres', () => undefined, { dependency: true });
      assert.throws(() => health.liveness('redis', () => undefined, { dependency: true }), isRestartStorm('redis'));
      assert.throws(() => health.liveness('postgres-replica', () => undefined, { dependency: true }), isRestartStorm('postgres-replica'));
      assert.throws(() => health.liveness('postgre', () => undefined, { dependency: true }), isRestartStorm('postgre'));
      assert.throws(() => health.check('nats', { check: () => undefined, dependency: true }, { probes: ['readiness', 'liveness'] }), isRestartStorm('nats'));
      assert.deepEqual(
        health.snapshot().checks.map((c) => c.name),
        ['postgres'],
        'a refused check is not registered',
      );
    } finally {
      health.stop();
    }
  });

  test('a dependency declared by the check definition is refused like one declared in the options', () => {
    const health = engine({ allowLivenessDependencies: ['postgres'] });
    try {
      assert.throws(() => health.liveness('redis', { check: () => undefined, dependency: true }), isRestartStorm('redis'));
      health.liveness('postgres', { check: () => undefined, dependency: true });
      assert.equal(health.snapshot().checks[0]?.dependency, true);
    } finally {
      health.stop();
    }
  });

  test('the options may turn a definition back into a non-dependency, and a non-dependency is never refused', () => {
    const health = engine();
    try {
      health.liveness('cache', { check: () => undefined, dependency: true }, { dependency: false });
      health.liveness('self', () => undefined);
      assert.deepEqual(
        health.snapshot().checks.map((c) => [c.name, c.dependency]),
        [
          ['cache', false],
          ['self', false],
        ],
      );
    } finally {
      health.stop();
    }
  });

  test('an empty allowlist refuses every dependency on liveness', () => {
    const health = engine({ allowLivenessDependencies: [] });
    try {
      assert.throws(() => health.liveness('postgres', () => undefined, { dependency: true }), isRestartStorm('postgres'));
      assert.throws(() => health.check('postgres', () => undefined, { probes: ['liveness'], dependency: true }), isRestartStorm('postgres'));
      health.check('postgres', () => undefined, { probes: ['startup', 'readiness'], dependency: true });
    } finally {
      health.stop();
    }
  });

  test('dependencies in checkDefaults reach liveness checks and are refused too', () => {
    const health = engine({ checkDefaults: { dependency: true }, allowLivenessDependencies: ['a'] });
    try {
      health.liveness('a', () => undefined);
      assert.throws(() => health.liveness('b', () => undefined), isRestartStorm('b'));
    } finally {
      health.stop();
    }
  });
});

describe('change events', () => {
  test('every change made in one turn is announced once, with the state after the last of them', async () => {
    const health = engine();
    const seen: number[] = [];
    health.on('change', (s) => seen.push(s.checks.length));
    try {
      health.readiness('a', () => undefined);
      health.readiness('b', () => undefined);
      health.readiness('c', () => undefined);
      health.beginShutdown();
      assert.deepEqual(seen, [], 'announced on a later turn of the event loop, not synchronously');
      await Promise.resolve();
      assert.deepEqual(seen, [], 'not on the next microtask either: once per event-loop turn');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, [3]);
      health.heartbeat('jobs', { timeoutMs: 1000 });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, [3, 4], 'a change on a later turn is announced again');
    } finally {
      health.stop();
    }
  });

  test('the snapshot version counts every change, including the coalesced ones', async () => {
    const health = engine();
    try {
      const before = health.snapshot().version;
      health.readiness('a', () => undefined);
      health.readiness('b', () => undefined);
      assert.equal(health.snapshot().version, before + 2);
    } finally {
      health.stop();
    }
  });
});

describe('timeouts are a flag on the run, not a reason to parse', () => {
  test('a run aborted at its timeout carries timedOut; a failure whose message says "timed out" does not', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    try {
      health.readiness('hangs', () => new Promise(() => {}), { timeoutMs: 100 });
      health.readiness('says-so', () => Promise.reject(new Error('timed out after 1 s (upstream)')), { timeoutMs: 100 });
      await clock.advance(200);
      const runs = Object.fromEntries(health.snapshot().checks.map((c) => [c.name, c.lastRun]));
      assert.equal(runs['hangs']?.timedOut, true);
      assert.equal(runs['hangs']?.reason, 'timed out after 100 ms');
      assert.equal(runs['says-so']?.timedOut, undefined);
      assert.equal(runs['says-so']?.ok, false);
    } finally {
      health.stop();
    }
  });

  test('a synchronous run that overran its timeout carries timedOut', async () => {
    const virtual = new VirtualClock();
    // A clock whose now() jumps while the check runs: what a busy loop looks like to the runner.
    let skew = 0;
    const clock = { now: () => virtual.now() + skew, setTimeout: virtual.setTimeout.bind(virtual), clearTimeout: virtual.clearTimeout.bind(virtual) };
    const health = new HealthEngine({ clock });
    const runs: unknown[] = [];
    health.on('change', (snapshot) => {
      const run = snapshot.checks[0]?.lastRun;
      if (run) runs.push([run.ok, run.timedOut, run.reason]);
    });
    try {
      // Busy for 5 s once; the next run is a minute away.
      health.readiness('busy', () => void (skew += 5000), { timeoutMs: 1000, intervalMs: 60_000, failingIntervalMs: 60_000 });
      await virtual.advance(1);
      assert.deepEqual(runs, [[false, true, 'took 5 s, over its timeout of 1 s']]);
    } finally {
      health.stop();
    }
  });
});

