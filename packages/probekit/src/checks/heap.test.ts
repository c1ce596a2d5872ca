import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapCheck } from './heap.js';
import { runOnce } from './test-fixtures/fault-suite.js';

const MiB = 1024 * 1024;

test('heap: passes below maxUsedPercent with the used percentage as its value', async () => {
  const run = await runOnce(heapCheck({ statistics: () => ({ used_heap_size: 100 * MiB, heap_size_limit: 1000 * MiB }) }), 1000);
  assert.deepEqual(run.value, { observedValue: 10, observedUnit: 'percent', measurement: 'utilization', componentType: 'system', output: 'heap 100.0 MiB of 1000.0 MiB (10%)' });
});

test('heap: fails above maxUsedPercent', async () => {
  const run = await runOnce(heapCheck({ maxUsedPercent: 80, statistics: () => ({ used_heap_size: 900 * MiB, heap_size_limit: 1000 * MiB }) }), 1000);
  assert.equal(run.message, 'heap: heap 900.0 MiB of 1000.0 MiB (90%), above maxUsedPercent 80%');
});

test('heap: reads the real V8 statistics by default', async () => {
  const run = await runOnce(heapCheck(), 1000);
  assert.equal(run.ok, true, run.message);
  const value = (run.value as { observedValue: number }).observedValue;
  assert.ok(value > 0 && value < 90, `heap used ${value}%`);
});

test('heap: options are validated by name', () => {
  assert.throws(() => heapCheck({ maxUsedPercent: -5 }), /Expected `maxUsedPercent` to be a number from 0 to 100, got `-5`/);
});
