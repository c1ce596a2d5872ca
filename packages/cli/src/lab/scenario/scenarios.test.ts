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
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [21, 24.905, 21.405]);
  assert.deepEqual(r.summary, { restarts: 0, unreadySeconds: 67.31, requestsServed: 1490, requestsFailed: 310, outageSeconds: 11.095, recoverSeconds: 6.905, recovery: 'recovered' });
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 191, refused: 0, booting: 0, dependency: 119, timeout: 0 });
});

test('scenario B with a startup probe: 90 s warm-up, never killed, every pod serves', async () => {
  const r = await run('slow-boot');
  assert.deepEqual(r.pods.map((p) => p.restarts), [0, 0, 0]);
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [96.27, 99.81, 96.128]);
  assert.ok(r.pods.every((p) => p.unreadySeconds >= 90), 'nobody is Ready before the warm-up ends');
  assert.equal(r.summary.requestsServed, 2019);
  assert.equal(r.summary.requestsFailed, 981);
});

test('scenario B without a startup probe: liveness kills every pod before it serves; probe kills restart at once until the back-off outgrows a container\'s life', async () => {
  const r = await run('slow-boot-no-startup');
  assert.deepEqual(r.pods.map((p) => p.restarts), [6, 5, 5]);
  assert.equal(r.summary.requestsServed, 0);
  assert.equal(r.summary.requestsFailed, 3000);
  assert.deepEqual(r.pods.map((p) => p.unreadySeconds), [300, 300, 300]);
  // Each container lives 30 s (3 × 10 s liveness). Kills 1–4 restart at once (no exited container, then the
  // one before exited 30 s ago, longer than the 10 s and 20 s back-offs). Kill 5 (146 s): 30 s < 40 s, back-off;
  // restarted at 197 s (40 s after that kill, plus the 1.34 pod worker's 10–15 s retry). Kill 6 (226 s): the one
  // before exited 80 s ago, not less than the 80 s back-off: at once again. Kill 7: back-off 160 s.
  const pod0 = r.pods[0]!.events.filter((e) => e.type === 'started' || e.type === 'backoff').map((e) => `${Math.round(e.at / 1000)}:${e.type === 'backoff' ? e.detail.replace('CrashLoopBackOff: ', '') : 'started'}`);
  assert.deepEqual(pod0, ['0:started', '26:started', '56:started', '86:started', '116:started', '146:back-off 40 s', '197:started', '226:started', '256:back-off 160 s']);
});

test('scenario C, the restart storm: a 60 s slow database restarts all 10 pods twice, at once each time, and the outage outlasts it', async () => {
  const r = await run('restart-storm');
  assert.deepEqual(r.pods.map((p) => p.restarts), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  assert.equal(r.summary.restarts, 20);
  // The first two probe kills of a container restart at once (no back-off yet): no pod waits in CrashLoopBackOff.
  assert.deepEqual(r.pods.flatMap((p) => p.events.filter((e) => e.type === 'backoff')), []);
  assert.equal(r.summary.outageSeconds, 61);
  assert.ok(r.summary.outageSeconds > 60, 'the outage is longer than the database\'s slow minute');
  assert.equal(r.summary.recoverSeconds, 17);
  assert.equal(r.summary.requestsFailed, 1580);
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 1580, refused: 0, booting: 0, dependency: 0, timeout: 0 });
});

test('the restart storm scenario needs the explicit opt-in: without allowLivenessDependencies the engine refuses the check', async () => {
  const scenario = await loadScenario(shipped('restart-storm'));
  const refused = { ...scenario, pod: { ...scenario.pod, app: { ...scenario.pod.app, allowLivenessDependencies: [] } } };
  await assert.rejects(simulate(refused), /Refusing to register dependency check `db` on liveness/);
});

test('flapping: liveness failureThreshold 1 on a jittery dependency restarts pods again and again', async () => {
  const r = await run('flapping');
  assert.deepEqual(r.pods.map((p) => p.restarts), [7, 7, 7]);
  assert.equal(r.summary.requestsFailed, 3167);
  assert.deepEqual(r.traffic.byCause, { 'no-endpoints': 2959, refused: 93, booting: 115, dependency: 0, timeout: 0 });
});

test('rolling deploy: a drain delay longer than the endpoint propagation drops no request; without it requests are refused', async () => {
  const drained = await run('rolling-deploy');
  const dropped = await run('rolling-deploy-no-drain');
  // Both lose the same 159 requests while the first pods boot; only the deploy differs.
  assert.deepEqual(drained.traffic.byCause, { 'no-endpoints': 159, refused: 0, booting: 0, dependency: 0, timeout: 0 });
  assert.deepEqual(dropped.traffic.byCause, { 'no-endpoints': 159, refused: 39, booting: 0, dependency: 0, timeout: 0 });
  assert.deepEqual(drained.pods.map((p) => p.name), ['pod-0', 'pod-1', 'pod-2', 'pod-v2-0', 'pod-v2-1', 'pod-v2-2']);
  assert.deepEqual(drained.pods.map((p) => p.removedAt), [72_000, 79_000, 86_000, undefined, undefined, undefined]);
  assert.equal(drained.summary.restarts + dropped.summary.restarts, 0);
});

test('terminating endpoints: all old pods terminate at once; kept readiness lets kube-proxy send to them until the new pods are ready (pkg/proxy/topology.go@v1.34 CategorizeEndpoints)', async () => {
  const kept = await run('terminating-endpoints');
  const dropped = await run('terminating-endpoints-no-keep');
  const readyOnly = await run('terminating-endpoints-ready-only');
  // All three lose the same 320-odd requests while the first pods boot at the start of the run.
  // Kept readiness behind kube-proxy: no second without an endpoint during the rollout.
  assert.deepEqual(kept.summary, { restarts: 0, unreadySeconds: 95.22, requestsServed: 2048, requestsFailed: 352, outageSeconds: 0, recoverSeconds: null, recovery: 'no fault' });
  // Readiness failing at SIGTERM: the old endpoints stop serving, nothing is ready until the new pods are.
  assert.deepEqual({ failed: dropped.summary.requestsFailed, outage: dropped.summary.outageSeconds }, { failed: 552, outage: 10.019 });
  // A ready-only load balancer never uses a terminating endpoint: keeping readiness does not help.
  assert.deepEqual({ failed: readyOnly.summary.requestsFailed, outage: readyOnly.summary.outageSeconds }, { failed: 672, outage: 16 });
  // Deleted at 40 s, the kept-readiness old pods stay in the load balancer until the new pods are in (58 s).
  const old = kept.pods.filter((p) => !p.name.startsWith('pod-v2'));
  for (const pod of old) assert.deepEqual(pod.loadBalancer.filter((s) => s.to > 40_000).map((s) => `${s.value}@${s.to / 1000}`), ['in@58', 'out@120'], pod.name);
  assert.equal(kept.scenario.loadBalancer, 'kube-proxy');
  assert.equal(readyOnly.scenario.loadBalancer, 'ready-only');
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
