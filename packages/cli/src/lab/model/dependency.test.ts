import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../scenario/load-scenario.js';
import { simulate } from '../simulate.js';

test('a hanging dependency: the engine aborts each run at its timeout and the call gives up, so no run is left pending', async () => {
  const s = await parseScenario(`
name: t
duration: 1m
replicas: 1
traffic: { rps: 0 }
kubelet: { justStarted: false }
dependencies: { redis: {} }
pod:
  readinessProbe: { periodSeconds: 1 }
app:
  checks:
    - { name: redis, probes: [readiness], uses: redis, intervalMs: 2000, timeoutMs: 1000 }
faults:
  - { dependency: redis, kind: hang, at: 10s, for: 20s }
`, 't.yaml');
  const r = await simulate(s);
  const failures = r.pods[0]!.failures;
  // A call that ignored the abort would leave the run pending: the next runs would report
  // "previous run still pending" instead of their own timeout.
  assert.deepEqual([...new Set(failures.map((f) => f.detail))], ['503 redis: timed out after 1 s']);
  assert.equal(failures.length, 20);
  assert.deepEqual([failures[0]!.at, failures.at(-1)!.at], [11_000, 30_000]);
});
