import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from './clock.js';
import { HealthEngine, type EngineOptions } from './engine.js';
import { evaluate, type ProbeTarget } from './evaluate.js';

// Written against the survivors of the first mutation run (docs/testing.md): each test pins a
// behaviour that a surviving mutant changed without any test noticing.

function setup(options: Omit<EngineOptions, 'clock'> = {}) {
  const clock = new VirtualClock();
  const health = new HealthEngine({ ...options, clock });
  const lines = (probe: ProbeTarget, loopBlockedMs = 0) =>
    evaluate(health.snapshot(), probe, { loopBlockedMs }).lines.map((l) => `${l.name}:${l.status}${l.reason === undefined ? '' : `:${l.reason}`}`);
  return { clock, health, lines };
}

describe('the startup latch', () => {
  test('stops only the checks that serve nothing but startup; readiness and liveness checks keep their schedule', async () => {
    const { clock, health } = setup();
    const runs = { boot: 0, db: 0, self: 0 };
    try {
      health.startup('boot', () => void (runs.boot += 1), { intervalMs: 1000 });
      health.readiness('db', () => void (runs.db += 1), { intervalMs: 1000 });
      health.liveness('self', () => void (runs.self += 1), { intervalMs: 1000 });
      await clock.advance(1);
      assert.equal(health.started, true);
      const at = { ...runs };
      await clock.advance(5000);
      assert.equal(runs.boot, at.boot, 'the startup-only check stopped at the latch');
      assert.equal(runs.db - at.db, 5, 'the readiness check ran every second after the latch');
      assert.equal(runs.self - at.self, 5, 'the liveness check ran every second after the latch');
    } finally {
      health.stop();
    }
  });

  test('the started event carries the time and the duration since creation', async () => {
    const { clock, health } = setup();
    const events: unknown[] = [];
    health.on('started', (e) => events.push(e));
    try {
      const created = clock.now();
      let ready = false;
      health.startup('boot', () => {
        if (!ready) throw new Error('warming up');
      }, { failingIntervalMs: 1000 });
      await clock.advance(2500);
      ready = true;
      await clock.advance(1000);
      assert.deepEqual(events, [{ at: created + 3000, durationMs: 3000 }]);
    } finally {
      health.stop();
    }
  });
});

describe('beginShutdown', () => {
  test('announces the shutdown once, with its time, however often it is called', async () => {
    const { clock, health } = setup();
    const events: unknown[] = [];
    let changes = 0;
    health.on('shutdown', (e) => events.push(e));
    health.on('change', () => void (changes += 1));
    try {
      await clock.advance(1234);
      changes = 0; // the startup latch announced itself on the way
      const at = clock.now();
      health.beginShutdown();
      health.beginShutdown();
      await clock.advance(1);
      health.beginShutdown();
      assert.deepEqual(events, [{ at }]);
      assert.equal(changes, 1);
    } finally {
      health.stop();
    }
  });
});

describe('allowLivenessDependencies is validated', () => {
  for (const bad of ['postgres', ['postgres', 1], [undefined], { 0: 'postgres' }]) {
    test(`refuses ${JSON.stringify(bad) ?? String(bad)}`, () => {
      assert.throws(() => new HealthEngine({ clock: new VirtualClock(), allowLivenessDependencies: bad as never }), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^Expected `allowLivenessDependencies` to be an array of check names, got `/);
        return true;
      });
    });
  }
});

describe('which lines each probe has', () => {
  test('startup has neither the loop, the startup nor the shutdown line, and no started line without manualStartup', async () => {
    const { clock, health, lines } = setup();
    try {
      health.startup('boot', () => undefined);
      health.beginShutdown();
      await clock.advance(1);
      assert.deepEqual(lines('startup', 60_000), ['boot:pass']);
    } finally {
      health.stop();
    }
  });

  test('with manualStartup, startup has a started line that fails until markStarted()', () => {
    const { health, lines } = setup({ manualStartup: true });
    try {
      assert.deepEqual(lines('startup'), ['started:fail:waiting for markStarted()']);
      health.markStarted();
      assert.deepEqual(lines('startup'), ['started:pass']);
    } finally {
      health.stop();
    }
  });

  test('a loop bound of 0 removes the eventloop line; a block equal to the bound still passes', async () => {
    const off = setup({ maxBlockMs: 0, maxLagMs: 0 });
    const on = setup({ maxBlockMs: 5000, maxLagMs: 1000 });
    try {
      await off.clock.advance(1);
      assert.deepEqual(off.lines('liveness', 60_000), []);
      assert.deepEqual(off.lines('readiness', 60_000), ['startup:pass', 'shutdown:pass']);
      assert.deepEqual(on.lines('liveness', 5000), ['eventloop:pass']);
      assert.deepEqual(on.lines('liveness', 5001), ['eventloop:fail:event loop blocked for 5 s']);
      assert.deepEqual(on.lines('readiness', 1000)[0], 'eventloop:pass');
      assert.deepEqual(on.lines('readiness', 1001)[0], 'eventloop:fail:event loop blocked for 1 s');
    } finally {
      off.health.stop();
      on.health.stop();
    }
  });

  test('a check that has not run yet fails readiness and startup as "not yet checked" but passes liveness', () => {
    const { health, lines } = setup();
    try {
      health.check('db', () => undefined, { probes: ['startup', 'readiness', 'liveness'] });
      health.readiness('cache', () => undefined, { critical: false });
      assert.deepEqual(lines('readiness'), ['eventloop:pass', 'startup:fail:startup not complete', 'shutdown:pass', 'db:fail:not yet checked', 'cache:warn:not yet checked']);
      assert.deepEqual(lines('startup'), ['db:fail:not yet checked']);
      assert.deepEqual(lines('liveness'), ['eventloop:pass', 'db:pass']);
      assert.equal(evaluate(health.snapshot(), 'liveness', { loopBlockedMs: 0 }).ok, true);
    } finally {
      health.stop();
    }
  });

  test('after the latch a failing startup check still reads as passing on startup, with a public reason', async () => {
    const { clock, health } = setup();
    let fail = false;
    try {
      health.check('db', () => {
        if (fail) throw new Error('connect ECONNREFUSED');
      }, { probes: ['startup', 'readiness'], intervalMs: 1000 });
      await clock.advance(1);
      fail = true;
      await clock.advance(1000);
      const startup = evaluate(health.snapshot(), 'startup', { loopBlockedMs: 0 });
      assert.deepEqual(startup.lines.map((l) => [l.name, l.status, l.reasonPublic, l.reason]), [['db', 'pass', true, undefined]]);
      assert.equal(startup.ok, true);
      assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok, false);
    } finally {
      health.stop();
    }
  });

  test('all has every line; an empty exclude list excludes nothing', async () => {
    const { clock, health } = setup();
    try {
      health.readiness('db', () => undefined);
      health.liveness('self', () => undefined);
      await clock.advance(1);
      const all = evaluate(health.snapshot(), 'all', { loopBlockedMs: 0, exclude: [] });
      assert.deepEqual(all.unmatchedExcludes, []);
      assert.ok(all.lines.every((l) => l.status === 'pass'), JSON.stringify(all.lines));
      // Once started, all lists liveness lines first, then readiness, then startup.
      assert.deepEqual(all.lines.map((l) => l.name), ['eventloop', 'self', 'startup', 'shutdown', 'db']);
    } finally {
      health.stop();
    }
  });
});

describe('manual and fatal lines (second mutation run)', () => {
  test('fatal() adds a failing fatal line to liveness and readiness; setReady(false) adds a manual line to readiness only', async () => {
    const { clock, health, lines } = setup();
    try {
      health.readiness('db', () => undefined);
      await clock.advance(1);
      health.setReady(false, 'draining the queue');
      assert.deepEqual(lines('liveness'), ['eventloop:pass']);
      assert.deepEqual(lines('readiness'), ['eventloop:pass', 'startup:pass', 'shutdown:pass', 'manual:fail:draining the queue', 'db:pass']);
      health.setReady(true);
      health.fatal('heap corrupted');
      assert.deepEqual(lines('liveness'), ['eventloop:pass', 'fatal:fail:heap corrupted']);
      assert.deepEqual(lines('readiness'), ['eventloop:pass', 'startup:pass', 'shutdown:pass', 'fatal:fail:heap corrupted', 'db:pass']);
    } finally {
      health.stop();
    }
  });

  test('a warning check reads with its own reason', async () => {
    const { clock, health, lines } = setup();
    try {
      health.readiness('cache', () => {
        throw new Error('connect ECONNREFUSED');
      }, { critical: false });
      await clock.advance(1);
      assert.deepEqual(lines('readiness').at(-1), 'cache:warn:connect ECONNREFUSED');
    } finally {
      health.stop();
    }
  });

  test('a reserved name is refused with the list of probekit\'s own line names', () => {
    const { health } = setup();
    try {
      assert.throws(() => health.readiness('shutdown', () => undefined), {
        message: "Check name `shutdown` is reserved for probekit's own lines (`eventloop`, `startup`, `shutdown`, `started`, `manual`, `fatal`)",
      });
    } finally {
      health.stop();
    }
  });
});

describe('what a definition carries (second mutation run)', () => {
  test("a definition's componentType reaches the snapshot; a plain function has none", () => {
    const { health } = setup();
    try {
      health.readiness('pg', { check: () => undefined, dependency: true, componentType: 'datastore' });
      health.readiness('plain', () => undefined);
      assert.deepEqual(health.snapshot().checks.map((c) => [c.name, c.componentType, c.dependency]), [['pg', 'datastore', true], ['plain', undefined, false]]);
    } finally {
      health.stop();
    }
  });

  test('a pending check keeps the reason its snapshot gives and reads "not yet checked" only without one', () => {
    const { health } = setup();
    try {
      health.readiness('db', () => undefined);
      const base = health.snapshot();
      const pending = (reason: string | undefined) => {
        const { reason: _ignored, ...check } = base.checks[0]!;
        return { ...base, checks: [{ ...check, status: 'pending' as const, ...(reason === undefined ? {} : { reason }) }] };
      };
      const lineOf = (reason: string | undefined) => evaluate(pending(reason), 'readiness', { loopBlockedMs: 0 }).lines.at(-1)!;
      assert.equal(lineOf(undefined).reason, 'not yet checked');
      assert.equal(lineOf('timeout after 1 s').reason, 'timeout after 1 s');
    } finally {
      health.stop();
    }
  });
});
