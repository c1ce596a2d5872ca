import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadScenario } from './load-scenario.js';
import { simulate, type LabResult } from '../simulate.js';

const shipped = (name: string): string => fileURLToPath(new URL(`../../../scenarios/${name}.yaml`, import.meta.url));
const run = async (name: string): Promise<LabResult> => simulate(await loadScenario(shipped(name)));

test('scenario A, the Redis blip: every pod leaves the load balancer and comes back, none is restarted', async () => {
  const r = await run('redis-blip');
  assert.deepEqual(r.pods.map((p) => p.restarts), [0, 0, 0]);
  assert.deepEqual(r.pods.map((p) => p.probeFailures.liveness), [0, 0, 0]);
  // Each pod is out of the load balancer once during the blip (60–80 s) and back in after it.
  for (const pod of r.pods) {
    const outs = pod.loadBalancer.filter((s) => s.value === 'out' && s.from > 10_000);
    assert.equal(outs.length, 1, pod.name);
    assert.ok(outs[0]!.from >= 60_000 && outs[0]!.to <= 90_000, `${pod.name} out ${outs[0]!.from}–${outs[0]!.to}`);
  }
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [20.013, 24.905, 21.405]);
  assert.deepEqual(r.summary, { restarts: 0, unreadySeconds: 66.323, requestsServed: 1510, requestsFailed: 290, outageSeconds: 10.108, recoverSeconds: 6.905 });
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 171, refused: 0, booting: 0, dependency: 119, timeout: 0 });
});

test('scenario B with a startup probe: 90 s warm-up, never killed, every pod serves', async () => {
  const r = await run('slow-boot');
  assert.deepEqual(r.pods.map((p) => p.restarts), [0, 0, 0]);
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [97.637, 101.405, 97.128]);
  assert.ok(r.pods.every((p) => p.unreadySeconds >= 90), 'nobody is Ready before the warm-up ends');
  assert.equal(r.summary.requestsServed, 2009);
  assert.equal(r.summary.requestsFailed, 991);
});

test('scenario B without a startup probe: liveness kills every pod before it serves, CrashLoopBackOff grows', async () => {
  const r = await run('slow-boot-no-startup');
  assert.deepEqual(r.pods.map((p) => p.restarts), [5, 5, 5]);
  assert.equal(r.summary.requestsServed, 0);
  assert.equal(r.summary.requestsFailed, 3000);
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [300, 300, 300]);
  const backoffs = r.pods[0]!.events.filter((e) => e.type === 'backoff').map((e) => e.detail);
  assert.deepEqual(backoffs, ['CrashLoopBackOff: back-off 10 s', 'CrashLoopBackOff: back-off 20 s', 'CrashLoopBackOff: back-off 40 s', 'CrashLoopBackOff: back-off 80 s', 'CrashLoopBackOff: back-off 160 s']);
});

test('scenario C, the restart storm: a 60 s slow database restarts all 10 pods and the outage outlasts it', async () => {
  const r = await run('restart-storm');
  assert.deepEqual(r.pods.map((p) => p.restarts), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  assert.equal(r.summary.restarts, 20);
  assert.equal(r.summary.outageSeconds, 71.246);
  assert.ok(r.summary.outageSeconds > 60, 'the outage is longer than the database\'s slow minute');
  assert.equal(r.summary.recoverSeconds, 28.405);
  assert.equal(r.summary.requestsFailed, 1765);
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 1765, refused: 0, booting: 0, dependency: 0, timeout: 0 });
});

test('the restart storm scenario needs the explicit opt-in: without allowLivenessDependencies the engine refuses the check', async () => {
  const scenario = await loadScenario(shipped('restart-storm'));
  const refused = { ...scenario, pod: { ...scenario.pod, app: { ...scenario.pod.app, allowLivenessDependencies: [] } } };
  await assert.rejects(simulate(refused), /Refusing to register dependency check `db` on liveness/);
});

test('flapping: liveness failureThreshold 1 on a jittery dependency restarts pods again and again', async () => {
  const r = await run('flapping');
  assert.deepEqual(r.pods.map((p) => p.restarts), [5, 6, 6]);
  assert.equal(r.summary.requestsFailed, 2262);
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 2092, refused: 138, booting: 32, dependency: 0, timeout: 0 });
});

test('rolling deploy: a drain delay longer than the endpoint propagation drops no request; without it requests are refused', async () => {
  const drained = await run('rolling-deploy');
  const dropped = await run('rolling-deploy-no-drain');
  // Both lose the same 159 requests while the first pods boot; only the deploy differs.
  assert.deepEqual(drained.traffic.byCause, { 'no-endpoints': 159, refused: 0, booting: 0, dependency: 0, timeout: 0 });
  assert.deepEqual(dropped.traffic.byCause, { 'no-endpoints': 159, refused: 42, booting: 0, dependency: 0, timeout: 0 });
  assert.deepEqual(drained.pods.map((p) => p.name), ['pod-0', 'pod-1', 'pod-2', 'pod-v2-0', 'pod-v2-1', 'pod-v2-2']);
  assert.deepEqual(drained.pods.map((p) => p.removedAt), [71_000, 77_000, 83_000, undefined, undefined, undefined]);
  assert.equal(drained.summary.restarts + dropped.summary.restarts, 0);
});

test('a run is deterministic for a seed and changes with it', async () => {
  const scenario = await loadScenario(shipped('redis-blip'));
  const a = await simulate(scenario);
  const b = await simulate(scenario);
  const c = await simulate({ ...scenario, seed: 2 });
  assert.deepEqual(a.summary, b.summary);
  assert.notDeepEqual(a.pods.map((p) => p.unreadySeconds), c.pods.map((p) => p.unreadySeconds));
});

test('the fast settling after engine timers gives exactly what a full event-loop turn per timer gives', async () => {
  for (const name of ['redis-blip', 'restart-storm', 'flapping']) {
    const scenario = await loadScenario(shipped(name));
    const fast = await simulate(scenario);
    const thorough = await simulate(scenario, { macrotaskSettle: true });
    assert.deepEqual({ ...fast, stats: null }, { ...thorough, stats: null }, name);
  }
});
