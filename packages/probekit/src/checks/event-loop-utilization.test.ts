import assert from 'node:assert/strict';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { test } from 'node:test';
import { eventLoopUtilizationCheck } from './event-loop-utilization.js';
import { runOnce } from './test-fixtures/fault-suite.js';

/** A fake utilization source: cumulative idle/active times set by the test. */
function source() {
  const total = { idle: 0, active: 0 };
  const elu = (current?: EventLoopUtilization, previous?: EventLoopUtilization): EventLoopUtilization => {
    if (current && previous) {
      const idle = current.idle - previous.idle;
      const active = current.active - previous.active;
      return { idle, active, utilization: active / (idle + active) };
    }
    return { ...total, utilization: total.active / (total.idle + total.active || 1) };
  };
  return { total, elu };
}

test('eventLoopUtilization: measures the window since the previous run and fails above the threshold', async () => {
  const { total, elu } = source();
  const definition = eventLoopUtilizationCheck({ maxUtilization: 0.8, eventLoopUtilization: elu });
  assert.equal(definition.dependency, false);
  total.idle += 500;
  total.active += 500;
  const calm = await runOnce(definition, 1000);
  assert.equal(calm.ok, true);
  assert.equal((calm.value as { observedValue: number }).observedValue, 0.5);
  total.idle += 50;
  total.active += 950;
  const busy = await runOnce(definition, 1000);
  assert.equal(busy.message, 'eventLoopUtilization: event loop 95% busy over 1000 ms, above maxUtilization 0.8');
  total.idle += 900;
  total.active += 100;
  assert.equal((await runOnce(definition, 1000)).ok, true);
});

test('eventLoopUtilization: a real blocked loop is seen as busy', async () => {
  const definition = eventLoopUtilizationCheck({ maxUtilization: 0.5 });
  const until = performance.now() + 200;
  while (performance.now() < until) {
    // busy on purpose
  }
  const run = await runOnce(definition, 1000);
  assert.match(run.message, /^eventLoopUtilization: event loop \d+% busy over \d+ ms, above maxUtilization 0.5$/);
});

test('eventLoopUtilization: options are validated by name', () => {
  assert.throws(() => eventLoopUtilizationCheck({ maxUtilization: 90 }), /Expected `maxUtilization` to be a number above 0 and at most 1, got `90`/);
});
