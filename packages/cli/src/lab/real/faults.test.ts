import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultMode } from 'probekit/testing';
import { LabScheduler } from '../model/scheduler.js';
import { parseScenario } from '../scenario/load-scenario.js';
import { scheduleFault } from './real.js';

// Real mode turns each dependency fault into fault-proxy modes at scenario times. Virtual time
// and a proxy that records what it was told: which mode, when.
async function modesFor(fault: string, until: number): Promise<string[]> {
  const scenario = await parseScenario(`name: f\ndependencies: { redis: {} }\nfaults:\n  - ${fault}\n`, 'f.yaml');
  const [parsed] = scenario.faults;
  assert.ok(parsed && parsed.target === 'dependency');
  const scheduler = new LabScheduler();
  const modes: string[] = [];
  const proxy = {
    setMode: (mode: FaultMode): Promise<void> => {
      modes.push(`${scheduler.now} ${typeof mode === 'string' ? mode : JSON.stringify(mode)}`);
      return Promise.resolve();
    },
  };
  const logged: string[] = [];
  scheduleFault(scheduler, proxy, parsed, (line) => logged.push(line));
  await scheduler.runUntil(until);
  assert.deepEqual(logged, []);
  return modes;
}

test('real-mode dependency faults become fault-proxy modes at their times, and pass at their end', async () => {
  assert.deepEqual(await modesFor('{ dependency: redis, kind: down, at: 1s, for: 2s }', 10_000), ['1000 refuse', '3000 pass']);
  assert.deepEqual(await modesFor('{ dependency: redis, kind: hang, at: 1s, for: 2s }', 10_000), ['1000 blackhole', '3000 pass']);
  assert.deepEqual(await modesFor('{ dependency: redis, kind: slow, at: 1s, for: 2s, latency: 1500ms }', 10_000), ['1000 {"kind":"latency","ms":1500}', '3000 pass']);
  assert.deepEqual(await modesFor('{ dependency: redis, kind: slow, at: 1s, for: 2s }', 10_000), ['1000 {"kind":"latency","ms":5000}', '3000 pass']);
  assert.deepEqual(await modesFor('{ dependency: redis, kind: jitter, at: 1s, for: 2s, min: 100ms, max: 900ms }', 10_000), ['1000 {"kind":"latency","ms":100,"jitterMs":800}', '3000 pass']);
  // Flapping: down for a period, up for a period, from `at` until `for` ends, then up for good.
  assert.deepEqual(await modesFor('{ dependency: redis, kind: flapping, at: 1s, for: 4s, period: 1s }', 10_000), [
    '1000 refuse',
    '2000 pass',
    '3000 refuse',
    '4000 pass',
    '5000 pass',
  ]);
});
