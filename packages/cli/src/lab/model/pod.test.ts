import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../scenario/load-scenario.js';
import { simulate } from '../simulate.js';

const base = (extra: string): string => `
name: t
duration: 2m
replicas: 1
traffic: { rps: 0 }
kubelet: { justStarted: false }
${extra}
`;

test('a kill runs preStop, then SIGTERM, then SIGKILL when the grace period is over, at least 2 s after preStop (kuberuntime_container.go@v1.34 killContainer)', async () => {
  // The app needs 60 s to exit after SIGTERM; grace 10 s with a 9 s preStop leaves the 2 s minimum.
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 10
  preStop: 9s
  livenessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  boot: 0s
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 40_000).map((e) => `${e.at / 1000}:${e.type}`);
  // Wedged at 10 s (last beat 9 s), heartbeat stale at 14 s, that probe fails: preStop 9 s, SIGTERM 23 s, SIGKILL 25 s.
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '23:sigterm', '25:sigkill', '25:exited', '25:started']);
  assert.equal(r.pods[0]!.restarts, 1);
});

test('a probe-level terminationGracePeriodSeconds overrides the pod\'s for a liveness kill (KEP-2238)', async () => {
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 60
  livenessProbe: { periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 3 }
app:
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 30_000).map((e) => `${e.at / 1000}:${e.type}`);
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '14:sigterm', '17:sigkill', '17:exited', '17:started']);
});

test('an event-loop stall fails probes served on the main loop by timeout, and liveness on the worker thread only past maxBlockMs', async () => {
  const scenario = (probeServer: string): string => base(`
pod:
  livenessProbe: { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 }
app:
  probeServer: ${probeServer}
  maxBlockMs: 5000
faults:
  - { app: stall, at: 30s, for: 4s }
`);
  const main = await simulate(await parseScenario(scenario('main'), 't.yaml'));
  const worker = await simulate(await parseScenario(scenario('worker'), 't.yaml'));
  // A 4 s stall: on the main loop probes at 30 s, 31 s, 32 s time out (3 in a row) → restart.
  assert.deepEqual(main.pods[0]!.failures.map((f) => `${f.at / 1000}:${f.detail}`), ['30:timeout after 1000 ms', '31:timeout after 1000 ms', '32:timeout after 1000 ms']);
  assert.equal(main.pods[0]!.restarts, 1);
  // The worker thread answers at once and the loop was blocked less than maxBlockMs: no failure.
  assert.deepEqual(worker.pods[0]!.failures, []);
  assert.equal(worker.pods[0]!.restarts, 0);
});

test('on the worker thread a stall longer than maxBlockMs fails liveness with the engine\'s eventloop line', async () => {
  const r = await simulate(await parseScenario(base(`
pod:
  livenessProbe: { periodSeconds: 1, failureThreshold: 3 }
app:
  maxBlockMs: 5000
faults:
  - { app: stall, at: 30s, for: 20s }
`), 't.yaml'));
  const failures = r.pods[0]!.failures.map((f) => `${f.at / 1000}:${f.detail}`);
  assert.deepEqual(failures, ['36:503 eventloop: event loop blocked for 6 s', '37:503 eventloop: event loop blocked for 7 s', '38:503 eventloop: event loop blocked for 8 s']);
  assert.equal(r.pods[0]!.restarts, 1);
});

test('engine timers wait while the loop is stalled: a readiness check due during a 10 s stall runs when it ends', async () => {
  const r = await simulate(await parseScenario(base(`
dependencies: { redis: {} }
pod:
  readinessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  maxLagMs: 0
  checks: [{ name: redis, probes: [readiness], uses: redis, intervalMs: 5000 }]
faults:
  - { dependency: redis, kind: down, at: 31s, for: 1m }
  - { app: stall, at: 30s, for: 10s }
`), 't.yaml'));
  // Redis fails from 31 s, but the check due at 35 s runs only at 40 s: readiness fails at the 41 s probe.
  assert.equal(r.pods[0]!.failures[0]?.at, 41_000);
  assert.match(r.pods[0]!.failures[0]!.detail, /^503 redis: /);
});

test('a pod that is ready at once is Ready about 1 s after its start, not one period later: the status update triggers readiness (prober_manager.go@v1.34 UpdatePodStatus)', async () => {
  const s = await parseScenario(base(`
pod:
  readinessProbe: { periodSeconds: 10 }
`), 't.yaml');
  const r = await simulate(s);
  // The worker's first tick at 0 s comes before the container runs; its next tick would be 10 s. The PLEG
  // relist at 1 s sees the container, the status update triggers a probe: Ready at 1 s, in the load balancer
  // at 3 s (2 s propagation), probes every 10 s from 1 s.
  assert.deepEqual(r.pods[0]!.ready.map((seg) => `${seg.value}@${seg.from / 1000}`), ['unready@0', 'ready@1']);
  assert.deepEqual(r.pods[0]!.loadBalancer.map((seg) => `${seg.value}@${seg.from / 1000}`), ['out@0', 'in@3']);
  assert.equal(r.pods[0]!.probeRuns.readiness, 12, 'at 1, 11, 21 … 111 s');
});

test('the preStop hook\'s time comes off the grace period in whole seconds (kuberuntime_container.go@v1.34 executePreStopHook)', async () => {
  // Grace 10 s, a 4.5 s preStop: 4 s come off, so SIGKILL 6 s after SIGTERM (at 4.5 + 6 = 10.5 s after the kill).
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 10
  preStop: 4500ms
  livenessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 30_000).map((e) => `${e.at / 1000}:${e.type}`);
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '18.5:sigterm', '24.5:sigkill', '24.5:exited', '24.5:started']);
});
