import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { VirtualClock } from './clock.js';
import { HealthClosedError } from './errors.js';
import { HealthEngine, type EngineOptions } from './engine.js';
import { evaluate, sameLines } from './evaluate.js';
import type { CheckSnapshot, HealthSnapshot } from './types.js';
import { checkSnapshot, healthSnapshot } from './test-fixtures/snapshots.js';

// Written against the survivors of the whole-scope mutation run of the engine scope (docs/testing.md):
// sameLines (a cache key: a wrong `true` serves a stale verdict), whenReady, and the validation of
// check() arguments. Snapshots for sameLines are built by hand so that exactly one field differs.

const noopCheck = (): undefined => undefined;

function setup(options: Omit<EngineOptions, 'clock'> = {}) {
  const clock = new VirtualClock();
  const health = new HealthEngine({ ...options, clock });
  return { clock, health };
}

function checkSnap(overrides: Partial<CheckSnapshot> = {}): CheckSnapshot {
  return checkSnapshot({
    name: 'db',
    status: 'fail',
    dependency: true,
    reason: 'connect ECONNREFUSED',
    consecutiveFailures: 1,
    consecutiveSuccesses: 0,
    ...overrides,
  });
}

function passing(): CheckSnapshot {
  const { reason: _, ...rest } = checkSnap({ name: 'cache', probes: ['liveness', 'readiness'], status: 'pass', dependency: false });
  return rest;
}

function snap(overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return healthSnapshot({ started: false, maxBlockMs: 5000, maxLagMs: 1000, checks: [checkSnap(), passing()], ...overrides });
}

describe('sameLines', () => {
  test('distinct but equal snapshots, with distinct but equal check objects and probe arrays, give the same lines', () => {
    const a = snap();
    const b = snap({ version: 7, time: a.time + 5000 });
    assert.notEqual(a.checks[0], b.checks[0]);
    assert.notEqual(a.checks[1]!.probes, b.checks[1]!.probes);
    assert.equal(sameLines(a, b), true);
    assert.equal(sameLines(b, a), true);
  });

  test('run counters, times and the last run do not count', () => {
    const a = snap();
    const b = snap({ checks: [checkSnap({ runs: 9, consecutiveFailures: 9, lastRun: { ok: false, at: 1, durationMs: 3 } }), a.checks[1]!] });
    assert.equal(sameLines(a, b), true);
  });

  const top: Array<[string, Partial<HealthSnapshot>]> = [
    ['started', { started: true }],
    ['shuttingDown', { shuttingDown: true }],
    ['manualStartup', { manualStartup: true }],
    ['notReady', { notReady: 'maintenance' }],
    ['fatal', { fatal: 'corrupt state' }],
    ['maxBlockMs', { maxBlockMs: 0 }],
    ['maxLagMs', { maxLagMs: 0 }],
    ['the number of checks', { checks: [checkSnap()] }],
  ];
  for (const [what, change] of top) {
    test(`a snapshot whose ${what} alone differs gives other lines`, () => {
      assert.equal(sameLines(snap(), snap(change)), false);
      assert.equal(sameLines(snap(change), snap()), false);
    });
  }

  const perCheck: Array<[string, Partial<CheckSnapshot>]> = [
    ['name', { name: 'redis' }],
    ['status', { status: 'warn' }],
    ['reason', { reason: 'timed out after 1 s' }],
    ['reasonPublic', { reasonPublic: true }],
    ['critical', { critical: false }],
    ['probes', { probes: ['startup', 'readiness'] }],
  ];
  for (const [what, change] of perCheck) {
    test(`a check whose ${what} alone differs gives other lines, in any position`, () => {
      const base = snap();
      const first = snap({ checks: [checkSnap(change), base.checks[1]!] });
      const second = snap({ checks: [base.checks[0]!, { ...base.checks[1]!, ...change }] });
      assert.equal(sameLines(base, first), false);
      assert.equal(sameLines(base, second), false);
      assert.equal(sameLines(second, base), false);
    });
  }

  test('with no checks at all, equal snapshots give the same lines', () => {
    assert.equal(sameLines(snap({ checks: [] }), snap({ checks: [] })), true);
  });
});

/** Where a promise stands after one macrotask turn (every settled reaction has run by then). */
async function stateOf(p: Promise<unknown>): Promise<'pending' | 'resolved' | ['rejected', unknown]> {
  let state: 'pending' | 'resolved' | ['rejected', unknown] = 'pending';
  p.then(
    () => void (state = 'resolved'),
    (error: unknown) => void (state = ['rejected', error]),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('whenReady', () => {
  test('resolves at once when readiness already passes, without waiting for another change', async () => {
    const { clock, health } = setup();
    try {
      await clock.advance(1); // startup latches (no startup check): readiness passes, no change left queued
      assert.equal(await stateOf(health.whenReady()), 'resolved');
    } finally {
      health.stop();
    }
  });

  test('stays pending through changes that leave readiness failing; resolves on the change that makes it pass', async () => {
    const { clock, health } = setup({ manualStartup: true });
    const signal = new AbortController().signal;
    try {
      const waiting = health.whenReady({ signal });
      health.readiness('db', () => undefined);
      await clock.advance(1000); // db passes: changes, but startup is not complete
      assert.equal(health.snapshot().checks[0]!.status, 'pass');
      assert.equal(await stateOf(waiting), 'pending');
      health.markStarted();
      assert.equal(await stateOf(waiting), 'resolved');
      assert.equal(getEventListeners(signal, 'abort').length, 0, 'the abort listener is removed once resolved');
    } finally {
      health.stop();
    }
  });

  test('rejects at once with HealthClosedError on a closed engine that is not ready', async () => {
    const { clock, health } = setup({ manualStartup: true });
    health.stop();
    await clock.advance(1); // the change announcing the close has gone out
    const state = await stateOf(health.whenReady());
    assert.ok(Array.isArray(state) && state[1] instanceof HealthClosedError, `got ${String(state)}`);
  });

  test('rejects with HealthClosedError when the engine closes while waiting, and removes its abort listener', async () => {
    const { clock, health } = setup({ manualStartup: true });
    const signal = new AbortController().signal;
    const waiting = health.whenReady({ signal });
    await clock.advance(1);
    assert.equal(await stateOf(waiting), 'pending');
    health.stop();
    const state = await stateOf(waiting);
    assert.ok(Array.isArray(state) && state[1] instanceof HealthClosedError, `got ${String(state)}`);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  test('rejects at once with the reason of a signal that is already aborted', async () => {
    const { health } = setup({ manualStartup: true });
    try {
      const reason = new Error('gave up before asking');
      const state = await stateOf(health.whenReady({ signal: AbortSignal.abort(reason) }));
      assert.deepEqual(state, ['rejected', reason]);
    } finally {
      health.stop();
    }
  });
});

describe('the engine API', () => {
  test('snapshot() returns the same frozen object until something changes', async () => {
    const { clock, health } = setup();
    try {
      await clock.advance(1);
      const a = health.snapshot();
      assert.equal(health.snapshot(), a);
      health.beginShutdown();
      assert.notEqual(health.snapshot(), a);
    } finally {
      health.stop();
    }
  });

  test('loopBlockedMs() is the watchdog’s: 0 while virtual time fires every stamp', async () => {
    const { clock, health } = setup();
    try {
      await clock.advance(1000);
      assert.equal(health.loopBlockedMs(), 0);
      assert.equal(health.loopBlockedMs(), health.watchdog.blockedMs());
    } finally {
      health.stop();
    }
  });

  test('a heartbeat that goes stale emits a transition event, and one when it beats again', async () => {
    const { clock, health } = setup();
    const events: unknown[] = [];
    health.on('transition', (e) => events.push(e));
    try {
      const created = clock.now();
      const hb = health.heartbeat('jobs', { timeoutMs: 1000 });
      await clock.advance(1000);
      hb.beat();
      assert.deepEqual(events, [
        { name: 'jobs', probes: ['liveness'], from: 'pass', to: 'fail', reason: 'no heartbeat within 1 s', at: created + 1000, forMs: 1000 },
        { name: 'jobs', probes: ['liveness'], from: 'fail', to: 'pass', at: created + 1000, forMs: 0 },
      ]);
    } finally {
      health.stop();
    }
  });
});

describe('the startup latch guards', () => {
  test('an engine stopped before its first turn never latches startup', async () => {
    const { clock, health } = setup();
    const started: unknown[] = [];
    health.on('started', (e) => started.push(e));
    health.stop();
    await clock.advance(1000);
    assert.equal(health.started, false);
    assert.deepEqual(started, []);
  });

  test('with manualStartup, passing startup checks do not latch startup; only markStarted() does', async () => {
    const { clock, health } = setup({ manualStartup: true });
    try {
      health.startup('boot', () => undefined);
      await clock.advance(5000);
      assert.equal(health.snapshot().checks[0]!.status, 'pass');
      assert.equal(health.started, false);
      health.markStarted();
      assert.equal(health.started, true);
    } finally {
      health.stop();
    }
  });

  test('markStarted() twice latches once: one started event, startedAt stays the first time', async () => {
    const { clock, health } = setup({ manualStartup: true });
    const started: unknown[] = [];
    health.on('started', (e) => started.push(e));
    try {
      const created = clock.now();
      await clock.advance(100);
      health.markStarted();
      await clock.advance(100);
      health.markStarted();
      assert.deepEqual(started, [{ at: created + 100, durationMs: 100 }]);
      assert.equal(health.snapshot().startedAt, created + 100);
    } finally {
      health.stop();
    }
  });

  test('the latch stops a startup-only check without aborting its run in flight', async () => {
    const { clock, health } = setup({ manualStartup: true });
    const signals: AbortSignal[] = [];
    try {
      health.startup('boot', (signal) => {
        signals.push(signal);
        return new Promise(() => {});
      }, { timeoutMs: 10_000 });
      await clock.advance(1);
      assert.equal(signals.length, 1);
      health.markStarted();
      await clock.advance(1);
      assert.equal(signals[0]!.aborted, false);
    } finally {
      health.stop();
    }
  });
});

/** The TypeError message check() throws, or undefined when it registers. */
function refusal(register: (health: HealthEngine) => unknown, options: Omit<EngineOptions, 'clock'> = {}): string | undefined {
  const { health } = setup(options);
  try {
    register(health);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof TypeError, `not a TypeError: ${String(error)}`);
    return error.message;
  } finally {
    health.stop();
  }
}

describe('check() validates its arguments', () => {
  const noop = (): undefined => undefined;
  for (const [shown, probes] of [['[]', []], ['"readiness"', 'readiness'], ['undefined', undefined], ['{"0":"readiness"}', { 0: 'readiness' }]] as const) {
    test(`probes ${shown} is refused with the list of probes`, () => {
      assert.equal(
        refusal((h) => h.check('db', noop, { probes: probes as never })),
        `Expected \`probes\` to be a non-empty array of \`startup\`, \`liveness\`, \`readiness\`, got \`${shown}\``,
      );
    });
  }

  test('a probe listed twice serves that probe once', () => {
    const { health } = setup();
    try {
      health.check('db', noop, { probes: ['readiness', 'startup', 'readiness'] });
      assert.deepEqual(health.snapshot().checks[0]!.probes, ['readiness', 'startup']);
    } finally {
      health.stop();
    }
  });

  for (const [shown, check] of [['null', null], ['"SELECT 1"', 'SELECT 1'], ['{"check":"SELECT 1"}', { check: 'SELECT 1' }], ['{}', {}]] as const) {
    test(`a check given as ${shown} is refused`, () => {
      assert.equal(
        refusal((h) => h.readiness('db', check as never)),
        `Expected check \`db\` to be a function \`(signal) => …\` or an object with a \`check\` function, got \`${shown}\``,
      );
    });
  }

  test('a componentType that is not a string is refused', () => {
    assert.equal(refusal((h) => h.readiness('db', noop, { componentType: 5 as never })), 'Expected `componentType` to be a string, got `5`');
    assert.equal(refusal((h) => h.readiness('db', noop, { componentType: 'datastore' })), undefined);
  });
});

describe('check definitions', () => {
  test('the definition’s check runs with the run’s signal, and its failure fails the check', async () => {
    const { clock, health } = setup();
    const seen: unknown[] = [];
    try {
      health.readiness('db', {
        check: (signal) => {
          seen.push(signal);
          throw new Error('connect ECONNREFUSED');
        },
      });
      await clock.advance(1);
      assert.equal(seen.length, 1);
      assert.ok(seen[0] instanceof AbortSignal);
      assert.equal(health.snapshot().checks[0]!.status, 'fail');
      assert.equal(health.snapshot().checks[0]!.reason, 'connect ECONNREFUSED');
    } finally {
      health.stop();
    }
  });

  test('componentType and dependency: the caller’s option, else the definition’s, else checkDefaults', () => {
    const { health } = setup({ checkDefaults: { componentType: 'service', dependency: true } });
    try {
      health.readiness('plain', { check: noopCheck });
      health.readiness('typed', { check: noopCheck, componentType: 'datastore', dependency: false });
      health.readiness('caller', { check: noopCheck, componentType: 'datastore', dependency: false }, { componentType: 'cache', dependency: true });
      const got = health.snapshot().checks.map((c) => [c.name, c.componentType, c.dependency]);
      assert.deepEqual(got, [
        ['plain', 'service', true],
        ['typed', 'datastore', false],
        ['caller', 'cache', true],
      ]);
    } finally {
      health.stop();
    }
  });

  test('a definition marked dependency is refused on liveness unless allowed by name', () => {
    const redis = { check: noopCheck, dependency: true };
    assert.match(refusal((h) => h.liveness('redis', redis)) ?? '', /^Refusing to register dependency check `redis` on liveness\./);
    assert.equal(refusal((h) => h.liveness('redis', redis), { allowLivenessDependencies: ['redis'] }), undefined);
    assert.match(refusal((h) => h.liveness('redis', redis), { allowLivenessDependencies: ['postgres'] }) ?? '', /^Refusing/);
  });
});

describe('check options', () => {
  test('failingIntervalMs is never above intervalMs: a failing check with intervalMs 500 runs every 500 ms', async () => {
    const { clock, health } = setup();
    let runs = 0;
    try {
      health.readiness('db', () => {
        runs += 1;
        throw new Error('down');
      }, { intervalMs: 500 });
      await clock.advance(1);
      assert.equal(runs, 1);
      await clock.advance(2000);
      assert.equal(runs, 5);
    } finally {
      health.stop();
    }
  });
});

describe('the lines of /healthz (all probes merged)', () => {
  const show = (s: HealthSnapshot, loopBlockedMs = 0) =>
    evaluate(s, 'all', { loopBlockedMs }).lines.map((l) => `${l.name}:${l.status}${l.reason === undefined ? '' : `:${l.reason}`}`);

  test('before startup completes, startup’s lines come first; after, liveness’s, then readiness’s, then startup’s', async () => {
    const { clock, health } = setup({ manualStartup: true });
    try {
      health.startup('boot', noopCheck);
      health.liveness('self', noopCheck);
      health.readiness('db', noopCheck);
      await clock.advance(1);
      assert.deepEqual(show(health.snapshot()), [
        'started:fail:waiting for markStarted()',
        'boot:pass',
        'eventloop:pass',
        'self:pass',
        'startup:fail:startup not complete',
        'shutdown:pass',
        'db:pass',
      ]);
      health.markStarted();
      assert.deepEqual(show(health.snapshot()), ['eventloop:pass', 'self:pass', 'startup:pass', 'shutdown:pass', 'db:pass', 'started:pass', 'boot:pass']);
    } finally {
      health.stop();
    }
  });

  test('a line on several probes shows its worst status: a pending check fails readiness though liveness counts it passing; the loop fails on the lower bound', () => {
    const { health } = setup();
    try {
      health.check('db', noopCheck, { probes: ['liveness', 'readiness'] });
      // Blocked 2 s: under liveness' 5 s bound, over readiness' 1 s one.
      assert.deepEqual(show(health.snapshot(), 2000), [
        'eventloop:fail:event loop blocked for 2 s',
        'db:fail:not yet checked',
        'startup:fail:startup not complete',
        'shutdown:pass',
      ]);
    } finally {
      health.stop();
    }
  });

  test('built-in lines are public: a passing one is exactly { name, status, reasonPublic: true }', async () => {
    const { clock, health } = setup({ manualStartup: true });
    try {
      health.markStarted();
      await clock.advance(1);
      assert.deepEqual(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).lines, [
        { name: 'eventloop', status: 'pass', reasonPublic: true },
        { name: 'startup', status: 'pass', reasonPublic: true },
        { name: 'shutdown', status: 'pass', reasonPublic: true },
      ]);
      assert.deepEqual(evaluate(health.snapshot(), 'startup', { loopBlockedMs: 0 }).lines, [{ name: 'started', status: 'pass', reasonPublic: true }]);
    } finally {
      health.stop();
    }
  });
});

describe('stop, names and getters', () => {
  test('stop() aborts a run in flight with HealthClosedError and announces the close once, however often called', async () => {
    const { clock, health } = setup();
    const signals: AbortSignal[] = [];
    let changes = 0;
    health.readiness('db', (signal) => {
      signals.push(signal);
      return new Promise(() => {});
    }, { timeoutMs: 10_000 });
    await clock.advance(1);
    health.on('change', () => void (changes += 1));
    health.stop();
    health.stop();
    await clock.advance(1);
    health.stop();
    await clock.advance(1);
    assert.equal(signals.length, 1);
    assert.ok(signals[0]!.reason instanceof HealthClosedError);
    assert.equal(changes, 1);
    assert.equal(health.closed, true);
  });

  test('a name taken by a check cannot be a heartbeat, nor the other way round', () => {
    const taken = (name: string) =>
      `A check named \`${name}\` is already registered; names must be unique (use \`check(name, fn, { probes })\` to serve several probes)`;
    assert.equal(refusal((h) => h.readiness('db', noopCheck).heartbeat('db', { timeoutMs: 1000 })), taken('db'));
    assert.equal(refusal((h) => (h.heartbeat('jobs', { timeoutMs: 1000 }), h.liveness('jobs', noopCheck))), taken('jobs'));
  });

  test('shuttingDown and fatalReason report beginShutdown() and the first fatal() reason', () => {
    const { health } = setup();
    try {
      assert.equal(health.shuttingDown, false);
      assert.equal(health.fatalReason, undefined);
      health.beginShutdown();
      health.fatal('corrupt state');
      health.fatal('another');
      assert.equal(health.shuttingDown, true);
      assert.equal(health.fatalReason, 'corrupt state');
    } finally {
      health.stop();
    }
  });

  test('a stopped heartbeat leaves the snapshot; the checks after it keep their order', async () => {
    const { clock, health } = setup();
    try {
      health.readiness('a', noopCheck);
      const hb = health.heartbeat('jobs', { timeoutMs: 1000 });
      health.readiness('b', noopCheck);
      hb.stop();
      await clock.advance(1);
      assert.deepEqual(health.snapshot().checks.map((c) => c.name), ['a', 'b']);
    } finally {
      health.stop();
    }
  });
});

/** A virtual clock that counts the zero-delay timers set: a check's first run and each startup judgement. */
class CountingClock extends VirtualClock {
  zeroTimers = 0;
  override setTimeout(fn: () => void, ms: number) {
    if (ms === 0) this.zeroTimers += 1;
    return super.setTimeout(fn, ms);
  }
}

describe('startup is judged once per turn, and only for startup checks', () => {
  // Zero-delay timers: the judgement queued by createHealth(), one first run per check, then the
  // judgements queued by startup checks' runs — coalesced: one pending at a time.
  test('three startup checks that pass in one advance queue one judgement between them', async () => {
    const clock = new CountingClock();
    const health = new HealthEngine({ clock });
    try {
      for (const name of ['a', 'b', 'c']) health.startup(name, noopCheck);
      await clock.advance(1);
      assert.equal(health.started, true);
      assert.equal(clock.zeroTimers, 1 + 3 + 1);
    } finally {
      health.stop();
    }
  });

  test('a readiness check’s run queues no judgement; nor does a startup check’s run once startup completed', async () => {
    const clock = new CountingClock();
    const health = new HealthEngine({ clock });
    try {
      health.readiness('db', noopCheck);
      health.check('boot', noopCheck, { probes: ['startup', 'readiness'], intervalMs: 1000 });
      await clock.advance(1);
      assert.equal(health.started, true);
      assert.equal(clock.zeroTimers, 1 + 2 + 1, 'createHealth, two first runs, boot’s run');
      await clock.advance(5000); // boot keeps running for readiness: five more runs
      assert.equal(clock.zeroTimers, 4);
    } finally {
      health.stop();
    }
  });

  test('with manualStartup, a readiness check’s runs queue no judgement either', async () => {
    const clock = new CountingClock();
    const health = new HealthEngine({ clock, manualStartup: true });
    try {
      health.readiness('db', noopCheck, { intervalMs: 1000 });
      await clock.advance(3000);
      assert.equal(clock.zeroTimers, 1 + 1);
    } finally {
      health.stop();
    }
  });
});

describe('from the whole-scope run', () => {
  test('setReady() that does not change the state announces nothing', async () => {
    const { clock, health } = setup();
    let changes = 0;
    try {
      await clock.advance(1);
      health.on('change', () => void (changes += 1));
      health.setReady(false, 'maintenance');
      await clock.advance(1);
      const version = health.snapshot().version;
      health.setReady(false, 'maintenance');
      health.setReady(true);
      health.setReady(true);
      await clock.advance(1);
      assert.equal(changes, 2);
      assert.equal(health.snapshot().version, version + 1);
    } finally {
      health.stop();
    }
  });

  test('/healthz after startup: a check failing readiness fails its merged line though its latched startup line passes; on a tie the first probe’s line stays', async () => {
    const { clock, health } = setup();
    let up = true;
    try {
      health.check('db', () => {
        if (!up) throw new Error('down');
      }, { probes: ['startup', 'readiness'], intervalMs: 1000 });
      await clock.advance(1);
      assert.equal(health.started, true);
      const passing = evaluate(health.snapshot(), 'all', { loopBlockedMs: 0 }).lines.find((l) => l.name === 'db');
      // readiness comes before startup once started: its line is the check's own (reasonPublic false).
      assert.deepEqual(passing && { ...passing }, { name: 'db', reasonPublic: false, check: health.snapshot().checks[0], status: 'pass' });
      up = false;
      await clock.advance(1000);
      const failing = evaluate(health.snapshot(), 'all', { loopBlockedMs: 0 });
      assert.equal(failing.ok, false);
      assert.deepEqual(failing.lines.map((l) => `${l.name}:${l.status}`), ['eventloop:pass', 'startup:pass', 'shutdown:pass', 'db:fail']);
    } finally {
      health.stop();
    }
  });
});
