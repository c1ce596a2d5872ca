import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from './clock.js';
import { HealthEngine, type EngineOptions } from './engine.js';
import { evaluate, sameLines, type ProbeTarget } from './evaluate.js';
import type { CheckTransition } from './runner.js';
import { RunAbort, takesRunAbort } from './run-abort.js';

function setup(options: Omit<EngineOptions, 'clock'> = {}) {
  const clock = new VirtualClock();
  const health = new HealthEngine({ ...options, clock });
  const ok = (probe: ProbeTarget, loopBlockedMs = 0): boolean => evaluate(health.snapshot(), probe, { loopBlockedMs }).ok;
  const check = (name: string) => health.snapshot().checks.find((c) => c.name === name);
  return { clock, health, ok, check };
}

/** A check whose outcome the test sets; counts its runs and the signals it saw. */
function controllable() {
  let outcome: 'pass' | 'fail' | 'hang' | 'ignore' = 'pass';
  const signals: AbortSignal[] = [];
  const fn = (signal: AbortSignal): Promise<void> => {
    signals.push(signal);
    if (outcome === 'pass') return Promise.resolve();
    if (outcome === 'fail') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    if (outcome === 'ignore') return new Promise(() => {});
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
  };
  return {
    fn,
    signals,
    set: (next: typeof outcome) => {
      outcome = next;
    },
    get runs() {
      return signals.length;
    },
  };
}

describe('the engine in virtual time', () => {
  test('a readiness check that has not run yet fails readiness as "not yet checked"; its first pass makes the pod ready', async () => {
    const { clock, health, ok, check } = setup();
    health.readiness('db', () => undefined);
    assert.equal(ok('readiness'), false);
    assert.equal(check('db')?.status, 'pending');
    assert.equal(check('db')?.reason, 'not yet checked');
    await clock.advance(1);
    assert.equal(check('db')?.status, 'pass');
    assert.equal(ok('readiness'), true);
    health.stop();
  });

  test('checks run on their interval while passing and on the faster failing interval while failing', async () => {
    const { clock, health } = setup();
    const c = controllable();
    health.readiness('db', c.fn, { intervalMs: 5000, failingIntervalMs: 1000 });
    await clock.advance(1);
    assert.equal(c.runs, 1);
    await clock.advance(10_000);
    assert.equal(c.runs, 3);
    c.set('fail');
    await clock.advance(5000);
    assert.equal(c.runs, 4);
    await clock.advance(3000);
    assert.equal(c.runs, 7);
    health.stop();
  });

  test('a hanging check fails within its timeout, and its signal is aborted with the reason', async () => {
    const { clock, health, ok, check } = setup();
    const c = controllable();
    c.set('hang');
    health.readiness('search', c.fn, { timeoutMs: 500 });
    await clock.advance(499);
    assert.equal(check('search')?.status, 'pending');
    await clock.advance(2);
    assert.equal(check('search')?.status, 'fail');
    assert.equal(check('search')?.reason, 'timed out after 500 ms');
    assert.equal(c.signals[0]?.aborted, true);
    assert.equal((c.signals[0]?.reason as Error).name, 'CheckTimeoutError');
    assert.equal(ok('readiness'), false);
    health.stop();
  });

  test('a synchronous run that overran its timeout fails, though it returned before the timeout fired', async () => {
    const virtual = new VirtualClock();
    // A clock whose now() jumps while the check runs: what a busy loop looks like to the runner.
    let skew = 0;
    const clock = { now: () => virtual.now() + skew, setTimeout: virtual.setTimeout.bind(virtual), clearTimeout: virtual.clearTimeout.bind(virtual) };
    const health = new HealthEngine({ clock });
    const busy = new Map([['bad', 5000], ['quick', 1000]]);
    const transitions: CheckTransition[] = [];
    health.on('transition', (event) => transitions.push(event));
    for (const [name, ms] of busy) {
      // Busy on the first run only; the next run comes at once (the interval is already used up).
      health.readiness(name, () => {
        skew += busy.get(name) ?? 0;
        busy.delete(name);
      }, { timeoutMs: 1000 });
      assert.ok(ms > 0);
    }
    await virtual.advance(1);
    assert.deepEqual(
      transitions.map((t) => [t.name, t.from, t.to, t.reason]),
      [
        ['bad', 'pending', 'fail', 'took 5 s, over its timeout of 1 s'],
        ['quick', 'pending', 'pass', undefined],
        ['bad', 'fail', 'pass', undefined],
      ],
    );
    health.stop();
  });

  test('a run that ignores its signal is reported and never piled up', async () => {
    const { clock, health, check } = setup();
    const c = controllable();
    c.set('ignore');
    health.readiness('legacy', c.fn, { timeoutMs: 500, intervalMs: 2000, failingIntervalMs: 2000 });
    await clock.advance(1);
    await clock.advance(600);
    assert.equal(check('legacy')?.reason, 'timed out after 500 ms');
    await clock.advance(11_400);
    assert.equal(c.runs, 1, 'no second run while the first is still pending');
    assert.match(check('legacy')?.reason ?? '', /^previous run still pending for \d+(\.\d)? s$/);
    assert.equal(check('legacy')?.status, 'fail');
    health.stop();
  });

  const bad: Array<[string, (signal: AbortSignal) => unknown, string]> = [
    ['a sync throw', () => { throw new Error('boom'); }, 'boom'],
    ['a thrown string', () => { throw 'plain string'; }, 'Non-error was thrown: "plain string"'],
    ['a rejected undefined', () => Promise.reject(undefined), 'Non-error was thrown: undefined'],
    ['a resolved false', () => false, 'check returned false'],
    ['a resolved Error', () => Promise.resolve(new Error('returned, not thrown')), 'returned, not thrown'],
    ['invalid details', () => ({ observedValue: { nested: true } }), 'check returned invalid details: `observedValue` must be a finite number, a string or a boolean, got object'],
    ['NaN as observed value', () => ({ observedValue: Number.NaN }), 'check returned invalid details: `observedValue` must be a finite number, a string or a boolean, got NaN'],
    ['a getter that throws', () => ({ get observedValue(): number { throw new Error('getter exploded'); } }), 'check returned a value that could not be read: getter exploded'],
    ['an error without a message', () => { throw new AggregateError([new Error('connect ECONNREFUSED ::1:5432')]); }, 'connect ECONNREFUSED ::1:5432'],
    ['an Error whose message is a number', () => Promise.reject(Object.assign(new Error('x'), { message: 42 })), '42'],
    ['an Error whose message is an object', () => { const e = new Error('x'); (e as { message: unknown }).message = { code: 1 }; throw e; }, 'Error'],
    ['an Error whose message getter throws', () => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('no'); } }); throw e; }, 'check failed with a value that cannot be read'],
    ['a thrown revoked Proxy', () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy; }, 'check failed with a value that cannot be read'],
    ['a rejected revoked Proxy', () => { const { proxy, revoke } = Proxy.revocable(new Error('gone'), {}); revoke(); return Promise.reject(proxy); }, 'check failed with a value that cannot be read'],
    ['a resolved revoked Proxy', () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return { then: (resolve: (v: unknown) => void) => resolve(proxy) }; }, "Cannot perform 'get' on a proxy that has been revoked"],
    ['a revoked Proxy returned synchronously', () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }, "Cannot perform 'get' on a proxy that has been revoked"],
    ['an AggregateError whose errors getter throws', () => { const e = new AggregateError([], ''); Object.defineProperty(e, 'errors', { get() { throw new Error('no'); } }); throw e; }, 'check failed with a value that cannot be read'],
    ['a huge message', () => { throw new Error('x'.repeat(5_000_000)); }, `${'x'.repeat(297)}...`],
  ];
  for (const [what, fn, reason] of bad) {
    test(`${what} becomes a failure with a clear reason, never a crash`, async () => {
      const { clock, health, check } = setup();
      health.readiness('weird', fn);
      await clock.advance(1);
      assert.equal(check('weird')?.status, 'fail');
      assert.equal(check('weird')?.reason, reason);
      health.stop();
    });
  }

  test('any other resolved value passes, and known detail fields are kept', async () => {
    const { clock, health, check } = setup();
    health.readiness('redis', () => 'PONG');
    health.readiness('pg', () => ({ rows: [{ '?column?': 1 }], observedValue: 3, observedUnit: 'ms' }));
    await clock.advance(1);
    assert.equal(check('redis')?.status, 'pass');
    assert.deepEqual(check('pg')?.lastRun?.details, { observedValue: 3, observedUnit: 'ms' });
    health.stop();
  });

  test('hysteresis: the reported state flips only after failureThreshold failures and successThreshold successes', async () => {
    const { clock, health, check } = setup();
    const c = controllable();
    health.readiness('db', c.fn, { intervalMs: 1000, failureThreshold: 3, successThreshold: 2 });
    await clock.advance(1);
    assert.equal(check('db')?.status, 'pass');
    c.set('fail');
    await clock.advance(1000);
    await clock.advance(1000);
    assert.equal(check('db')?.status, 'pass', 'two failures are tolerated');
    assert.equal(check('db')?.consecutiveFailures, 2);
    await clock.advance(1000);
    assert.equal(check('db')?.status, 'fail');
    c.set('pass');
    await clock.advance(1000);
    assert.equal(check('db')?.status, 'fail', 'one success is not enough');
    await clock.advance(1000);
    assert.equal(check('db')?.status, 'pass');
    health.stop();
  });

  test('a non-critical failing check warns and the probe still passes', async () => {
    const { clock, health, ok, check } = setup();
    health.readiness('cache', () => Promise.reject(new Error('down')), { critical: false });
    await clock.advance(1);
    assert.equal(check('cache')?.status, 'warn');
    assert.equal(ok('readiness'), true);
    assert.equal(evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 }).warn, true);
    health.stop();
  });

  test('startup latches once every startup check passed, and its checks stop running', async () => {
    const { clock, health, ok } = setup();
    const migrations = controllable();
    migrations.set('fail');
    const cache = controllable();
    health.startup('migrations', migrations.fn, { failingIntervalMs: 1000 });
    health.startup('cache-warm', cache.fn);
    health.readiness('db', () => undefined);
    await clock.advance(1);
    assert.equal(ok('startup'), false);
    assert.equal(ok('readiness'), false, 'readiness waits for startup');
    assert.equal(health.started, false);
    migrations.set('pass');
    await clock.advance(1000);
    assert.equal(health.started, true);
    assert.equal(ok('startup'), true);
    assert.equal(ok('readiness'), true);
    const runs = migrations.runs;
    migrations.set('fail');
    await clock.advance(60_000);
    assert.equal(migrations.runs, runs, 'startup-only checks stop after the latch');
    assert.equal(ok('startup'), true, 'the latch holds');
    assert.throws(() => health.startup('late', () => undefined), /startup already completed/);
    health.stop();
  });

  test('a check serving startup and readiness keeps running for readiness after the latch', async () => {
    const { clock, health, ok } = setup();
    const db = controllable();
    health.check('db', db.fn, { probes: ['startup', 'readiness'], intervalMs: 1000 });
    await clock.advance(1);
    assert.equal(health.started, true);
    db.set('fail');
    await clock.advance(1000);
    assert.equal(ok('readiness'), false);
    assert.equal(ok('startup'), true);
    health.stop();
  });

  test('with no startup check, startup completes on the first turn; with manualStartup only markStarted() completes it', async () => {
    const a = setup();
    await a.clock.advance(0);
    assert.equal(a.health.started, true);
    a.health.stop();
    const b = setup({ manualStartup: true });
    b.health.readiness('db', () => undefined);
    await b.clock.advance(10_000);
    assert.equal(b.ok('startup'), false);
    assert.equal(b.ok('readiness'), false);
    b.health.markStarted();
    assert.equal(b.ok('startup'), true);
    assert.equal(b.ok('readiness'), true);
    b.health.stop();
  });

  test('beginShutdown fails readiness at once and leaves liveness alone', async () => {
    const { clock, health, ok } = setup();
    health.readiness('db', () => undefined);
    health.liveness('internal', () => undefined);
    await clock.advance(1);
    assert.equal(ok('readiness'), true);
    health.beginShutdown();
    const verdict = evaluate(health.snapshot(), 'readiness', { loopBlockedMs: 0 });
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.lines.find((l) => l.name === 'shutdown'), { name: 'shutdown', status: 'fail', reason: 'process is shutting down', reasonPublic: true });
    assert.equal(ok('liveness'), true);
    health.stop();
  });

  test('a dependency check on liveness throws a TypeError that explains the restart storm, unless allowed by name', () => {
    const { health } = setup();
    assert.throws(
      () => health.liveness('postgres', () => undefined, { dependency: true }),
      (error: unknown) => error instanceof TypeError && /restart storm/.test(error.message) && /health\.readiness\('postgres'/.test(error.message),
    );
    assert.throws(() => health.check('redis', { check: () => undefined, dependency: true }, { probes: ['readiness', 'liveness'] }), TypeError);
    health.readiness('postgres', { check: () => undefined, dependency: true });
    health.stop();
    const allowed = setup({ allowLivenessDependencies: ['postgres'] });
    allowed.health.liveness('postgres', () => undefined, { dependency: true });
    assert.equal(allowed.check('postgres')?.dependency, true);
    allowed.health.stop();
  });

  test('a heartbeat fails liveness when it goes stale and recovers on the next beat', async () => {
    const { clock, health, ok, check } = setup();
    const hb = health.heartbeat('jobs', { timeoutMs: 10_000 });
    assert.equal(ok('liveness'), true, 'a new heartbeat passes for one timeout');
    await clock.advance(9000);
    hb.beat();
    await clock.advance(9999);
    assert.equal(ok('liveness'), true);
    await clock.advance(1);
    assert.equal(ok('liveness'), false);
    assert.equal(check('jobs')?.reason, 'no heartbeat within 10 s');
    hb.beat();
    assert.equal(ok('liveness'), true);
    hb.stop();
    assert.equal(check('jobs'), undefined);
    health.stop();
  });

  test('the event-loop bounds fail liveness and readiness with the measured block', () => {
    const { health } = setup({ maxBlockMs: 1000, maxLagMs: 300 });
    const s = health.snapshot();
    assert.equal(evaluate(s, 'readiness', { loopBlockedMs: 301 }).ok, false);
    assert.equal(evaluate(s, 'liveness', { loopBlockedMs: 301 }).ok, true);
    const live = evaluate(s, 'liveness', { loopBlockedMs: 3200 });
    assert.equal(live.ok, false);
    assert.equal(live.lines[0]?.reason, 'event loop blocked for 3.2 s');
    health.stop();
  });

  test('transition and change events report what changed, coalesced per turn', async () => {
    const { clock, health } = setup();
    const c = controllable();
    const transitions: CheckTransition[] = [];
    let changes = 0;
    health.on('transition', (t) => transitions.push(t));
    health.on('change', () => {
      changes += 1;
    });
    health.readiness('a', c.fn, { intervalMs: 1000 });
    health.readiness('b', () => undefined);
    await clock.advance(1);
    c.set('fail');
    await clock.advance(1000);
    assert.deepEqual(
      transitions.map((t) => `${t.name}:${t.from}->${t.to}`),
      ['a:pending->pass', 'b:pending->pass', 'a:pass->fail'],
    );
    assert.equal(transitions[2]?.reason, 'connect ECONNREFUSED 127.0.0.1:6379');
    assert.equal(transitions[2]?.forMs, 1000);
    // One per event-loop turn that changed something (VirtualClock lets a turn pass after each timer):
    // the two registrations (one turn), the startup latch (its own timer), a's and b's first passes
    // (both due at 0 ms; their runs settle in the same turn), a's failure at 1000 ms.
    assert.equal(changes, 4);
    health.stop();
  });

  test('whenReady resolves once readiness passes, and rejects on abort', async () => {
    const { clock, health } = setup();
    health.readiness('db', () => undefined);
    let ready = false;
    const p = health.whenReady().then(() => {
      ready = true;
    });
    assert.equal(ready, false);
    await clock.advance(1);
    await p;
    assert.equal(ready, true);
    const controller = new AbortController();
    health.beginShutdown();
    const waiting = health.whenReady({ signal: controller.signal });
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    health.stop();
  });

  test('snapshots are frozen plain data and each change makes a new one', async () => {
    const { clock, health } = setup();
    health.readiness('db', () => undefined);
    const before = health.snapshot();
    assert.equal(Object.isFrozen(before), true);
    assert.equal(Object.isFrozen(before.checks), true);
    assert.equal(Object.isFrozen(before.checks[0]), true);
    await clock.advance(1);
    const after = health.snapshot();
    assert.notEqual(before, after);
    assert.ok(after.version > before.version);
    assert.equal(before.checks[0]?.status, 'pending');
    assert.deepEqual(structuredClone(after), after);
    health.stop();
  });

  test('snapshot data keeps its field order (JSON output and structured clones show it)', async () => {
    const { clock, health } = setup({ checkDefaults: { componentType: 'datastore' } });
    health.readiness('db', () => ({ observedValue: 2 }));
    health.readiness('down', () => Promise.reject(new Error('refused')));
    health.readiness('fresh', () => undefined, { intervalMs: 60_000 });
    const first = health.snapshot();
    assert.deepEqual(Object.keys(first), ['version', 'time', 'started', 'manualStartup', 'shuttingDown', 'notReady', 'fatal', 'maxBlockMs', 'maxLagMs', 'checks']);
    assert.deepEqual(Object.keys(first.checks[0]!), ['name', 'kind', 'probes', 'status', 'critical', 'dependency', 'reason', 'reasonPublic', 'componentType', 'consecutiveFailures', 'consecutiveSuccesses', 'runs']);
    await clock.advance(1);
    const s = health.snapshot();
    assert.deepEqual(Object.keys(s), ['version', 'time', 'started', 'startedAt', 'manualStartup', 'shuttingDown', 'notReady', 'fatal', 'maxBlockMs', 'maxLagMs', 'checks']);
    const [db, down] = s.checks;
    assert.deepEqual(Object.keys(db!), ['name', 'kind', 'probes', 'status', 'critical', 'dependency', 'reasonPublic', 'componentType', 'lastRun', 'lastSuccessAt', 'consecutiveFailures', 'consecutiveSuccesses', 'runs']);
    assert.deepEqual(Object.keys(db!.lastRun!), ['ok', 'at', 'durationMs', 'details']);
    assert.deepEqual(Object.keys(down!), ['name', 'kind', 'probes', 'status', 'critical', 'dependency', 'reason', 'reasonPublic', 'componentType', 'lastRun', 'consecutiveFailures', 'consecutiveSuccesses', 'runs']);
    assert.deepEqual(Object.keys(down!.lastRun!), ['ok', 'at', 'durationMs', 'reason']);
    const lines = evaluate(s, 'readiness', { loopBlockedMs: 0 }).lines;
    assert.deepEqual(lines.map((l) => [l.name, Object.keys(l).join()]), [
      ['eventloop', 'name,status,reasonPublic'],
      ['startup', 'name,status,reasonPublic'],
      ['shutdown', 'name,status,reasonPublic'],
      ['db', 'name,reasonPublic,check,status'],
      ['down', 'name,reasonPublic,check,status,reason'],
      ['fresh', 'name,reasonPublic,check,status'],
    ]);
    health.stop();
  });

  test('sameLines: snapshots that differ only in run counters and times give the same lines; a status or reason change does not', async () => {
    const { clock, health } = setup();
    const c = controllable();
    health.readiness('db', c.fn, { intervalMs: 1000 });
    health.heartbeat('jobs', { timeoutMs: 60_000 });
    await clock.advance(1);
    const a = health.snapshot();
    await clock.advance(1000);
    const b = health.snapshot();
    assert.notEqual(a, b);
    assert.notEqual(a.checks[0]!.runs, b.checks[0]!.runs);
    assert.equal(sameLines(a, b), true);
    const strip = (s: typeof a, probe: ProbeTarget) => evaluate(s, probe, { loopBlockedMs: 0 }).lines.map(({ check: _, ...line }) => line);
    for (const probe of ['startup', 'liveness', 'readiness', 'all'] as const) assert.deepEqual(strip(a, probe), strip(b, probe), probe);
    c.set('fail');
    await clock.advance(1000);
    const failing = health.snapshot();
    assert.equal(sameLines(b, failing), false);
    c.set('hang');
    await clock.advance(3000);
    assert.equal(health.snapshot().checks[0]!.status, 'fail');
    assert.equal(sameLines(failing, health.snapshot()), false, 'same status, another reason');
    health.beginShutdown();
    const down = health.snapshot();
    await clock.advance(1);
    assert.equal(sameLines(down, health.snapshot()), true);
    assert.equal(sameLines(failing, down), false);
    health.stop();
  });

  test('a check made with takesRunAbort gets no AbortSignal unless it asks, and is aborted at the same moment with the same reason', async () => {
    const { clock, health, check } = setup();
    const plain = controllable();
    plain.set('hang');
    const runs: RunAbort[] = [];
    const aborted: Array<[number, unknown]> = [];
    const hang = takesRunAbort((run) => {
      runs.push(run);
      return new Promise((_, reject) => run.onAbort(() => {
        aborted.push([clock.now(), run.reason]);
        reject(run.reason);
      }));
    });
    health.readiness('plain', plain.fn, { timeoutMs: 500 });
    health.readiness('lazy', { check: hang, dependency: true }, { timeoutMs: 500 });
    const start = clock.now();
    await clock.advance(1);
    assert.equal(runs.length, 1);
    assert.ok(runs[0] instanceof RunAbort, 'the check gets its run, not a signal');
    await clock.advance(500);
    assert.deepEqual(aborted.map(([at]) => at - start), [500]);
    assert.equal((aborted[0]![1] as Error).name, 'CheckTimeoutError');
    assert.equal(check('lazy')?.reason, check('plain')?.reason);
    // A signal asked for after the abort is a real one, already aborted with the same reason.
    assert.equal(runs[0]!.signal.aborted, true);
    assert.equal(runs[0]!.signal.reason, aborted[0]![1]);
    // stop() aborts the run in flight with HealthClosedError, as it aborts a signal.
    await clock.advance(600);
    assert.equal(runs.length, 2);
    health.stop();
    assert.equal(runs[1]!.aborted, true);
    assert.equal((runs[1]!.reason as Error).name, 'HealthClosedError');
    assert.equal((plain.signals[1]!.reason as Error).name, 'HealthClosedError');
  });

  test('stop() aborts runs in flight and leaves no timer behind', async () => {
    const { clock, health } = setup();
    const c = controllable();
    c.set('hang');
    health.readiness('slow', c.fn, { timeoutMs: 10_000 });
    health.heartbeat('jobs', { timeoutMs: 5000 });
    await clock.advance(1);
    health.stop();
    assert.equal(c.signals[0]?.aborted, true);
    assert.equal(clock.pending, 0);
    assert.throws(() => health.readiness('x', () => undefined), /closed/);
  });
});

describe('validation at construction', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['duplicate names', () => { const h = new HealthEngine({ clock: new VirtualClock() }); h.readiness('db', () => 1); h.readiness('db', () => 1); }, /A check named `db` is already registered/],
    ['a reserved name', () => new HealthEngine({ clock: new VirtualClock() }).readiness('shutdown', () => 1), /reserved/],
    ['a name with a space', () => new HealthEngine({ clock: new VirtualClock() }).readiness('my db', () => 1), /got `"my db"`/],
    ['a negative timeout', () => new HealthEngine({ clock: new VirtualClock() }).readiness('db', () => 1, { timeoutMs: -5 }), /Expected `timeoutMs` to be a positive integer, got `-5`/],
    ['a string interval', () => new HealthEngine({ clock: new VirtualClock() }).readiness('db', () => 1, { intervalMs: '5s' as unknown as number }), /Expected `intervalMs` to be a positive integer, got `"5s"`/],
    ['an unknown check option', () => new HealthEngine({ clock: new VirtualClock() }).readiness('db', () => 1, { timeout: 5 } as never), /Unknown option `timeout`/],
    ['an unknown engine option', () => new HealthEngine({ maxBlock: 5 } as never), /Unknown option `maxBlock`/],
    ['a fractional maxBlockMs', () => new HealthEngine({ maxBlockMs: 1.5 }), /Expected `maxBlockMs` to be a non-negative integer, got `1.5`/],
    ['a check that is not a function', () => new HealthEngine({ clock: new VirtualClock() }).readiness('db', 'select 1' as never), /Expected check `db` to be a function/],
    ['an unknown probe', () => new HealthEngine({ clock: new VirtualClock() }).check('db', () => 1, { probes: ['ready' as never] }), /Expected `probes\[\]` to be one of/],
  ];
  for (const [what, fn, message] of cases) {
    test(`${what} throws an error naming the option and the value`, () => {
      assert.throws(fn, message);
    });
  }
});
