import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadScenario } from './load-scenario.js';
import { simulate } from '../simulate.js';

// scenarios.test.ts pins the simulator's exact figures (1510 served, 290 failed for the Redis
// blip): they catch any change, but they came from the simulator itself. These bounds come from
// the scenario file and the probe settings alone, worked out by hand, so a simulator that drifts
// into a wrong answer fails here even if someone re-pins the exact numbers.

const shipped = (name: string): string => fileURLToPath(new URL(`../../../scenarios/${name}.yaml`, import.meta.url));

test('the Redis blip: the traffic figures stay within what the scenario allows, worked out by hand', async () => {
  const r = await simulate(await loadScenario(shipped('redis-blip')));
  const rps = 10;
  const durationS = 180;
  // Every request is either served or failed: 10 rps for 3 minutes.
  assert.equal(r.summary.requestsServed + r.summary.requestsFailed, rps * durationS);

  // At least: nothing is served before a pod has booted (5 s), and nothing while Redis is down
  // (20 s), because every request uses Redis.
  const bootS = 5;
  const outageS = 20;
  const atLeast = (bootS + outageS) * rps;
  // At most: a pod is Ready by the first readiness probe after boot (probes start within one
  // 5 s period and answer within the 1 s timeout) and the endpoint change takes the 2 s
  // propagation delay; after Redis returns, the same path (one period, the timeout, propagation)
  // brings the pods back.
  const periodS = 5;
  const timeoutS = 1;
  const propagationS = 2;
  const atMost = (bootS + periodS + timeoutS + propagationS + outageS + periodS + timeoutS + propagationS) * rps;
  assert.ok(r.summary.requestsFailed >= atLeast, `failed ${r.summary.requestsFailed} < ${atLeast}`);
  assert.ok(r.summary.requestsFailed <= atMost, `failed ${r.summary.requestsFailed} > ${atMost}`);

  // Readiness, not liveness, carries the blip. A pod is unready from start until its first
  // passing readiness probe after boot, and again from its failureThreshold-th failed probe in
  // the outage (2 probes 5 s apart, the second timing out after 1 s: at most 11 s in) until the
  // first passing probe after it (at most one period and the timeout later).
  const failureThreshold = 2;
  const detectS = failureThreshold * periodS + timeoutS;
  for (const pod of r.pods) {
    assert.ok(pod.unreadySeconds >= bootS + outageS - detectS, `${pod.name} unready ${pod.unreadySeconds} s`);
    assert.ok(pod.unreadySeconds <= bootS + periodS + timeoutS + outageS + periodS + timeoutS, `${pod.name} unready ${pod.unreadySeconds} s`);
  }
  assert.equal(r.summary.restarts, 0);
});
