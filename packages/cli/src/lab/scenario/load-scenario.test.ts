import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseScenarioDuration, parseScenario, ScenarioError } from './load-scenario.js';

const fixtures = fileURLToPath(new URL('../../../src/lab/scenario/test-fixtures/', import.meta.url));

test('durations are seconds or strings with units', () => {
  assert.equal(parseScenarioDuration(90), 90_000);
  assert.equal(parseScenarioDuration('500ms'), 500);
  assert.equal(parseScenarioDuration('1m30s'), 90_000);
  assert.equal(parseScenarioDuration('2h'), 7_200_000);
  assert.equal(parseScenarioDuration('soon'), undefined);
  assert.equal(parseScenarioDuration('-1s'), undefined);
});

test('a minimal scenario gets every default', async () => {
  const s = await parseScenario('name: minimal\n', 'm.yaml');
  assert.equal(s.durationMs, 600_000);
  assert.equal(s.replicas, 3);
  assert.equal(s.seed, 1);
  assert.equal(s.kubeletJustStarted, true);
  assert.equal(s.propagationDelayMs, 2000);
  assert.deepEqual(s.traffic, { rps: 10, timeoutMs: 10_000 });
  assert.deepEqual(s.pod.probes, {});
  assert.equal(s.pod.terminationGracePeriodMs, 30_000);
  assert.equal(s.pod.app.probeServer, 'worker');
  assert.deepEqual(s.faults, []);
});

const errors: ReadonlyArray<readonly [string, string, string]> = [
  ['an unknown top-level field', 'name: x\nreplica: 3\n', 's.yaml:2:1: unknown field `replica`; expected one of `name`, `description`, `kubernetes`, `duration`, `seed`, `replicas`, `kubelet`, `cluster`, `traffic`, `pod`, `app`, `dependencies`, `faults`, `deploy`'],
  ['a bad duration', 'name: x\nduration: soon\n', 's.yaml:2:11: `duration` must be a duration (seconds, or like `500ms`, `20s`, `5m`, `1h30m`), got `"soon"`'],
  ['a fault on an undeclared dependency', 'name: x\nfaults:\n  - { dependency: redis, kind: down, at: 10s }\n', 's.yaml:3:19: `faults[0].dependency` names `"redis"`, but no dependency is declared (add it under `dependencies:`)'],
  ['a misspelt fault kind', 'name: x\ndependencies: { redis: {} }\nfaults:\n  - dependency: redis\n    kind: dwn\n    at: 1s\n', 's.yaml:5:11: `faults[0].kind` must be one of `down`, `hang`, `slow`, `flapping`, `jitter`, got `"dwn"`'],
  ['a probe below the minimum', 'name: x\npod:\n  livenessProbe:\n    periodSeconds: -1\n', 's.yaml:4:20: Expected `livenessProbe.periodSeconds` to be an integer of at least 1, got `-1`'],
  ['a fault that starts after the run ends', 'name: x\nduration: 1m\ndependencies: { redis: {} }\nfaults:\n  - { dependency: redis, kind: down, at: 2m }\n', 's.yaml:5:42: `faults[0].at` starts at 120 s, but the run ends at 60 s (`duration`)'],
  ['a jitter with min above max', 'name: x\ndependencies: { redis: {} }\nfaults:\n  - { dependency: redis, kind: jitter, min: 2s, max: 1s, at: 1s }\n', 's.yaml:4:45: `faults[0].min` gives a jitter from 2000 ms to 1000 ms: `min` must not be more than `max`'],
  ['an unknown Kubernetes release', 'name: x\nkubernetes: 1.20\n', 's.yaml:2:13: `kubernetes` must be one of `1.33`, `1.34`, `1.35`, got `"1.2"`'],
  ['an unknown load balancer', 'name: x\ncluster: { loadBalancer: nginx }\n', 's.yaml:2:26: `cluster.loadBalancer` must be one of `kube-proxy`, `ready-only`, got `"nginx"`'],
  ['successThreshold on liveness', 'name: x\npod:\n  livenessProbe: { successThreshold: 2 }\n', 's.yaml:3:38: Expected `livenessProbe.successThreshold` to be 1 (Kubernetes requires it for liveness probes), got `2`'],
  ['a stall on a replica that does not exist', 'name: x\nreplicas: 2\nfaults:\n  - { app: stall, pods: [0, 5], at: 1s, for: 1s }\n', 's.yaml:4:29: `faults[0].pods[1]` is replica 5, but there are only 2 (0-based)'],
  ['a probe that is not a mapping', 'name: x\npod:\n  readinessProbe: 5\n', 's.yaml:3:19: Expected `readinessProbe` to be a mapping of probe fields, got `5`'],
  // The parser flags the value `x` (line 1, column 7): the indented `bad:` under it would make it
  // a nested mapping inside a compact one.
  ['broken YAML', 'name: x\n  bad: [\n', 's.yaml:1:7: '],
];

for (const [what, yaml, message] of errors) {
  test(`a scenario error says where: ${what}`, async () => {
    await assert.rejects(parseScenario(yaml, 's.yaml'), (error: unknown) => {
      assert.ok(error instanceof ScenarioError, String(error));
      // The YAML parser's own wording follows the position; the position is ours to get right.
      if (message.endsWith(': ')) assert.ok(error.message.startsWith(message) && error.message.length > message.length, error.message);
      else assert.equal(error.message, message);
      return true;
    });
  });
}

test('probes, grace period and preStop sleep can come from a real manifest', async () => {
  const s = await parseScenario('name: x\npod:\n  manifest: { file: deployment.yaml, container: web }\n', 's.yaml', fixtures);
  assert.deepEqual(s.pod.probes, {
    startup: { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 24 },
    liveness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    readiness: { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3 },
  });
  assert.equal(s.pod.terminationGracePeriodMs, 45_000);
  assert.equal(s.pod.preStopMs, 7000);
});

test('a container missing from the manifest is a positioned error', async () => {
  await assert.rejects(
    parseScenario('name: x\npod:\n  manifest: { file: deployment.yaml, container: api }\n', 's.yaml', fixtures),
    { name: 'ScenarioError', message: /^s\.yaml:3:13: `pod\.manifest` no pod template with a container named `api` in .*deployment\.yaml$/ },
  );
});
