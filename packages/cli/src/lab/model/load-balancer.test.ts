import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadBalancer, type BalancerKind } from './load-balancer.js';

/** An upstream test endpoint: `Ready` stands for serving and not terminating. */
type Upstream = { endpoint: string; ready?: boolean; serving?: boolean; terminating?: boolean };

function routed(kind: BalancerKind, endpoints: readonly Upstream[]): string[] {
  const lb = new LoadBalancer<string>(kind);
  for (const e of endpoints) {
    const serving = e.ready === true || e.serving === true;
    lb.update(e.endpoint, { serving, terminating: e.terminating === true });
  }
  return endpoints.map((e) => e.endpoint).filter((e) => lb.routes(e)).sort();
}

// Ported from pkg/proxy/topology_test.go TestCategorizeEndpoints, the Cluster-traffic-policy cases
// (ProxyTerminatingEndpoints on, as it is since it went GA in 1.28): inputs and expected clusterEndpoints.
const cases: ReadonlyArray<{ name: string; endpoints: Upstream[]; cluster: string[] }> = [
  { name: 'Cluster traffic policy, endpoints not Ready', endpoints: [{ endpoint: '10.0.0.0:80', ready: false }, { endpoint: '10.0.0.1:80', ready: false }], cluster: [] },
  { name: 'Cluster traffic policy, some endpoints are Ready', endpoints: [{ endpoint: '10.0.0.0:80', ready: false }, { endpoint: '10.0.0.1:80', ready: true }], cluster: ['10.0.0.1:80'] },
  {
    name: 'Cluster traffic policy, PTE enabled, all endpoints are terminating',
    endpoints: [{ endpoint: '10.0.0.0:80', ready: false, serving: true, terminating: true }, { endpoint: '10.0.0.1:80', ready: false, serving: true, terminating: true }],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
  },
  {
    name: 'with terminating endpoints (iTP: Cluster): a ready endpoint wins, a not-serving one is never used',
    endpoints: [
      { endpoint: '10.0.0.0:80', ready: true },
      { endpoint: '10.0.0.1:80', ready: false, serving: false },
      { endpoint: '10.0.0.2:80', ready: false, serving: true, terminating: true },
      { endpoint: '10.0.0.3:80', ready: false, serving: true, terminating: true },
    ],
    cluster: ['10.0.0.0:80'],
  },
];

for (const c of cases) {
  test(`kube-proxy: ${c.name} (topology_test.go TestCategorizeEndpoints; topology.go@v1.34 CategorizeEndpoints)`, () => {
    assert.deepEqual(routed('kube-proxy', c.endpoints), c.cluster);
  });
}

test('a ready-only balancer never uses a terminating endpoint, even when no endpoint is ready', () => {
  assert.deepEqual(routed('ready-only', cases[2]!.endpoints), []);
  assert.deepEqual(routed('ready-only', cases[3]!.endpoints), ['10.0.0.0:80']);
});

test('kube-proxy falls back when the last ready endpoint goes, and back when one is ready again; routing changes are reported', () => {
  const events: string[] = [];
  const lb = new LoadBalancer<string>('kube-proxy', (e, on) => events.push(`${e}:${on ? 'in' : 'out'}`));
  lb.update('a', { serving: true, terminating: false });
  lb.update('b', { serving: true, terminating: true });
  assert.deepEqual([lb.size, lb.usingTerminating], [1, false]);
  lb.update('a', undefined); // the ready endpoint is gone: fall back to b
  assert.deepEqual([lb.size, lb.usingTerminating, lb.pick()], [1, true, 'b']);
  lb.update('c', { serving: true, terminating: false }); // a ready one again: b is dropped
  assert.deepEqual([lb.size, lb.usingTerminating, lb.pick()], [1, false, 'c']);
  assert.deepEqual(events, ['a:in', 'b:in', 'a:out', 'b:out', 'c:in']);
});

test('round-robin picks every endpoint in turn, and removing one in the middle keeps the others in the rotation', () => {
  const lb = new LoadBalancer<string>('kube-proxy');
  for (const e of ['a', 'b', 'c', 'd']) lb.update(e, { serving: true, terminating: false });
  assert.deepEqual([lb.pick(), lb.pick(), lb.pick(), lb.pick()].sort(), ['a', 'b', 'c', 'd']);
  lb.update('b', { serving: false, terminating: false });
  const picks = new Set([lb.pick(), lb.pick(), lb.pick()]);
  assert.deepEqual([...picks].sort(), ['a', 'c', 'd']);
});

test('a new kube-proxy balancer routes nothing and is not falling back; one not-ready endpoint changes neither (topology.go@v1.34 CategorizeEndpoints: no serving-terminating endpoint, no fallback)', () => {
  const lb = new LoadBalancer<string>('kube-proxy');
  assert.deepEqual([lb.size, lb.readyCount, lb.usingTerminating, lb.pick()], [0, 0, false, undefined]);
  lb.update('a', { serving: false, terminating: false });
  assert.deepEqual([lb.size, lb.readyCount, lb.usingTerminating, lb.pick()], [0, 0, false, undefined]);
  lb.update('b', { serving: true, terminating: false });
  lb.update('b', undefined); // the only ready endpoint goes and no terminating one serves: still no fallback
  assert.deepEqual([lb.size, lb.readyCount, lb.usingTerminating], [0, 0, false]);
});

test('readyCount counts ready endpoints only, also while kube-proxy sends to serving-terminating ones', () => {
  const lb = new LoadBalancer<string>('kube-proxy');
  lb.update('a', { serving: true, terminating: false });
  lb.update('b', { serving: true, terminating: false });
  lb.update('c', { serving: true, terminating: true });
  assert.deepEqual([lb.readyCount, lb.size], [2, 2]);
  lb.update('a', { serving: true, terminating: true });
  lb.update('b', { serving: true, terminating: true });
  assert.deepEqual([lb.readyCount, lb.size, lb.usingTerminating], [0, 3, true]);
});

test('the same endpoint reported ready twice is one member: the round-robin does not give it two turns', () => {
  const lb = new LoadBalancer<string>('kube-proxy');
  lb.update('a', { serving: true, terminating: false });
  lb.update('a', { serving: true, terminating: false });
  lb.update('b', { serving: true, terminating: false });
  assert.deepEqual([lb.size, lb.readyCount], [2, 2]);
  assert.deepEqual([lb.pick(), lb.pick(), lb.pick(), lb.pick()], ['a', 'b', 'a', 'b']);
});

test('the only ready endpoint turning terminating stays routed through the fallback: reported once, not out and in', () => {
  const events: string[] = [];
  const lb = new LoadBalancer<string>('kube-proxy', (e, on) => events.push(`${e}:${on ? 'in' : 'out'}`));
  lb.update('a', { serving: true, terminating: false });
  lb.update('a', { serving: true, terminating: true }); // the pod is deleted and still passes readiness
  assert.deepEqual([lb.size, lb.usingTerminating, lb.pick()], [1, true, 'a']);
  assert.deepEqual(events, ['a:in']);
  // A second serving-terminating endpoint joins the fallback: only it is reported, the others keep their route.
  lb.update('b', { serving: true, terminating: true });
  assert.deepEqual(events, ['a:in', 'b:in']);
  lb.update('b', { serving: false, terminating: true }); // b stops serving: only b leaves
  assert.deepEqual(events, ['a:in', 'b:in', 'b:out']);
  assert.deepEqual([lb.size, lb.usingTerminating], [1, true]);
});
