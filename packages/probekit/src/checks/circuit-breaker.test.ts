import assert from 'node:assert/strict';
import { test } from 'node:test';
import CircuitBreaker from 'opossum';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { HealthEngine } from '../engine/engine.js';
import { VirtualClock } from '../engine/clock.js';
import { circuitBreakerCheck } from './circuit-breaker.js';
import { runOnce } from './test-fixtures/fault-suite.js';

test('circuitBreaker (opossum): closed passes, open fails naming the breaker, half-open passes by default', async () => {
  const breaker = new CircuitBreaker(async () => {
    throw new Error('down');
  }, { name: 'payments', resetTimeout: 100, errorThresholdPercentage: 1, volumeThreshold: 1 });
  try {
    const definition = circuitBreakerCheck(breaker);
    assert.deepEqual((await runOnce(definition, 1000)).value, { observedValue: 'closed', measurement: 'state', componentType: 'component' });
    await breaker.fire().catch(() => {});
    assert.equal(breaker.opened, true);
    assert.equal((await runOnce(definition, 1000)).message, 'circuitBreaker: breaker "payments" is open');
    // opossum moves to half-open on its own after resetTimeout.
    const deadline = performance.now() + 5000;
    while (!breaker.halfOpen && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(breaker.halfOpen, true);
    assert.equal((await runOnce(definition, 1000)).ok, true);
    assert.equal((await runOnce(circuitBreakerCheck(breaker, { whenHalfOpen: 'fail' }), 1000)).message, 'circuitBreaker: breaker "payments" is half-open');
  } finally {
    breaker.shutdown();
  }
});

test('circuitBreaker (cockatiel): open and isolated fail, half-open fails when asked to', async () => {
  const policy = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(1) });
  const definition = circuitBreakerCheck(policy);
  assert.equal((await runOnce(definition, 1000)).ok, true);
  await policy.execute(() => { throw new Error('down'); }).catch(() => {});
  assert.equal((await runOnce(definition, 1000)).message, 'circuitBreaker: breaker is open');
  const isolation = policy.isolate();
  assert.equal((await runOnce(definition, 1000)).message, 'circuitBreaker: breaker is isolated');
  isolation.dispose();
  assert.equal((await runOnce(circuitBreakerCheck({ state: 2 }), 1000)).ok, true);
  assert.equal((await runOnce(circuitBreakerCheck({ state: 2 }, { whenHalfOpen: 'fail' }), 1000)).message, 'circuitBreaker: breaker is half-open');
});

test("circuitBreaker: whenOpen 'warn' reports an open breaker as a warning and readiness stays ready", async () => {
  const clock = new VirtualClock();
  const engine = new HealthEngine({ clock, maxLagMs: 0, maxBlockMs: 0 });
  try {
    const breaker = { opened: true, halfOpen: false, name: 'search' };
    engine.readiness('search-breaker', circuitBreakerCheck(breaker, { whenOpen: 'warn' }));
    engine.readiness('payments-breaker', circuitBreakerCheck({ ...breaker, name: 'payments' }));
    await clock.advance(10);
    const checks = engine.snapshot().checks;
    assert.equal(checks[0]!.status, 'warn');
    assert.equal(checks[0]!.reason, 'circuitBreaker: breaker "search" is open');
    assert.equal(checks[1]!.status, 'fail');
    assert.throws(() => engine.liveness('breaker-on-liveness', circuitBreakerCheck(breaker)), /Refusing to register dependency check `breaker-on-liveness` on liveness/);
  } finally {
    engine.stop();
  }
});

test('circuitBreaker: the breaker and options are validated by name', () => {
  assert.throws(() => circuitBreakerCheck({} as never), /Expected `breaker` to be an opossum CircuitBreaker .* got `an object without them`/);
  assert.throws(() => circuitBreakerCheck({ state: 0 }, { whenOpen: 'ignore' as never }), /Expected `whenOpen` to be one of `fail`, `warn`, got `"ignore"`/);
});
