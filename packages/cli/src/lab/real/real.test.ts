import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { parseScenario } from '../scenario/load-scenario.js';
import { runReal } from './real.js';

const service = fileURLToPath(new URL('./test-fixtures/real-service.js', import.meta.url));

test('real mode: Redis refused for 6 s takes real replicas out of the load balancer and back, without a restart', { skip: await skipUnless('redis'), timeout: 90_000 }, async () => {
  const scenario = await parseScenario(`
name: real-blip
duration: 20s
replicas: 2
traffic: { rps: 5, timeout: 2s }
cluster: { propagationDelay: 1s }
dependencies: { redis: {} }
pod:
  # NOTE: the startup probe gates liveness until the process answers: on a loaded machine Node can take
  # more than the 3 s liveness budget to start listening, which used to kill the replicas (a flaky test).
  startupProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30 }
  livenessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3 }
  readinessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 }
faults:
  - { dependency: redis, kind: down, at: 7s, for: 6s }
`, 'real.yaml');
  const lines: string[] = [];
  const result = await runReal(scenario, {
    command: process.execPath,
    args: [service],
    dependencies: { redis: SERVICES.redis },
    log: (line) => lines.push(line),
  });
  const why = lines.join('\n');
  assert.deepEqual(result.pods.map((p) => p.restarts), [0, 0], why);
  assert.deepEqual(result.pods.map((p) => p.probeFailures.liveness), [0, 0], why);
  for (const pod of result.pods) {
    // Generous bounds: the machine is shared. In by 6 s, out during the fault, back in by 19 s.
    const inSegments = pod.loadBalancer.filter((s) => s.value === 'in');
    assert.ok(inSegments.length >= 2, `${pod.name} joined, left and joined again: ${JSON.stringify(pod.loadBalancer)}\n${why}`);
    assert.ok(inSegments[0]!.from < 6000, `${pod.name} first joined at ${inSegments[0]!.from}`);
    const out = pod.loadBalancer.find((s) => s.value === 'out' && s.from > inSegments[0]!.from);
    assert.ok(out && out.from >= 7000 && out.from < 11_000, `${pod.name} left at ${out?.from}`);
    assert.ok(inSegments.at(-1)!.from >= 13_000 && inSegments.at(-1)!.from < 19_000, `${pod.name} back at ${inSegments.at(-1)!.from}`);
    assert.ok(pod.failures.some((f) => f.kind === 'readiness' && f.detail.startsWith('503 [-]redis failed')), JSON.stringify(pod.failures));
  }
  assert.ok(result.summary.requestsServed > 40, `served ${result.summary.requestsServed}`);
  assert.ok(result.traffic.byCause['no-endpoints'] > 0, 'while both were out, requests found no endpoint');
});
