/**
 * The pod-level rules one input at a time: names, readiness for Services, the startup budget,
 * the preStop sleep, and shutdown against the grace period. Every expected finding is written out
 * by hand from the rule's documented behaviour (docs/lint.md) and the upstream sources it cites.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { objectsOf, podTemplateOf } from '../../manifests/workloads.js';
import type { PlainObject } from '../../manifests/workloads.js';
import { atLeast } from './context.js';
import type { RawFinding, RuleSettings } from './context.js';
import { DEFAULT_RULE_SETTINGS } from '../test-fixtures/settings.js';
import { lintPodTemplate } from './index.js';
import { isDns1123Subdomain } from './pod.js';

const defaults = DEFAULT_RULE_SETTINGS;

/** A Pod (or `doc.kind`) whose spec is `spec` and whose one container `api` has `container`'s fields. */
function podDoc(container: PlainObject, spec: PlainObject = {}, doc: PlainObject = {}): PlainObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api' },
    spec: { containers: [{ name: 'api', image: 'example/api:1.0.0', ...container }], ...spec },
    ...doc,
  };
}

/** `path: message` of each finding of one rule, linting `doc` with `settings`. */
function findings(ruleId: string, doc: PlainObject, settings: Partial<RuleSettings> = {}): string[] {
  return raw(ruleId, doc, settings).map((f) => `${f.path.join('.')}: ${f.message}`);
}

function raw(ruleId: string, doc: PlainObject, settings: Partial<RuleSettings> = {}): RawFinding[] {
  const [object] = objectsOf(doc);
  assert.ok(object);
  const pod = podTemplateOf(object);
  assert.ok(pod);
  return lintPodTemplate(pod, { ...defaults, ...settings }).filter((f) => f.rule.id === ruleId);
}

describe('name-invalid', () => {
  test('a hyphen inside a later label of a subdomain is allowed; an underscore there is not', () => {
    // A DNS-1123 subdomain is DNS-1123 labels joined by dots; each label may hold '-' inside.
    assert.equal(isDns1123Subdomain('api.v1-beta.example'), true);
    assert.equal(isDns1123Subdomain('a.b_c'), false);
    assert.equal(isDns1123Subdomain('a.b.-c'), false);
  });

  test('an object without a name (generateName, or a name a tool fills in) is not reported', () => {
    const doc = podDoc({}, {}, { metadata: { generateName: 'api-' } });
    assert.deepEqual(findings('name-invalid', doc), []);
  });

  test('the name of a pod template fragment is not checked (the API server never sees it as an object name)', () => {
    const fragment = { metadata: { name: 'Web_Template', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:1' }] } };
    assert.deepEqual(findings('name-invalid', fragment), []);
    assert.deepEqual(findings('name-invalid', podDoc({}, {}, { metadata: { name: 'Web_Pod' } })), [
      "metadata.name: metadata.name `Web_Pod` is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)",
    ]);
  });
});

describe('readiness-missing', () => {
  const serving = { ports: [{ containerPort: 8080 }] };

  test('the message says whether a Service selects the pod, when the input says so', () => {
    assert.deepEqual(findings('readiness-missing', podDoc(serving)), ['spec.containers.0.name: container `api` declares ports but has no readinessProbe']);
    assert.deepEqual(findings('readiness-missing', podDoc(serving), { selectedByService: true }), [
      'spec.containers.0.name: container `api` declares ports and a Service selects this pod but has no readinessProbe',
    ]);
    const note = raw('readiness-missing', podDoc(serving), { selectedByService: false });
    assert.deepEqual(
      note.map((f) => [f.message, f.severity]),
      [['container `api` declares ports but has no readinessProbe; no Service in the input selects this pod', 'note']],
    );
  });

  test('an empty ports list serves nothing', () => {
    assert.deepEqual(findings('readiness-missing', podDoc({ ports: [] })), []);
  });

  test('pods that run to completion are not reported: restartPolicy Never or OnFailure, or a Job whatever its restartPolicy says', () => {
    assert.deepEqual(findings('readiness-missing', podDoc(serving, { restartPolicy: 'Never' })), []);
    assert.deepEqual(findings('readiness-missing', podDoc(serving, { restartPolicy: 'OnFailure' })), []);
    assert.deepEqual(findings('readiness-missing', podDoc(serving, { restartPolicy: 'Always' })), [
      'spec.containers.0.name: container `api` declares ports but has no readinessProbe',
    ]);
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { spec: podDoc(serving)['spec'] } } };
    assert.deepEqual(findings('readiness-missing', job), []);
  });
});

describe('startup-budget-short', () => {
  // Budget = initialDelaySeconds + (failureThreshold - 1) x periodSeconds = 10 + 2 x 10 = 30 s.
  const gated = podDoc({ startupProbe: { httpGet: { path: '/startupz', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 } });

  test('a boot time equal to the budget fits; one second more does not', () => {
    assert.deepEqual(findings('startup-budget-short', gated, { bootSeconds: () => 30 }), []);
    assert.deepEqual(findings('startup-budget-short', gated, { bootSeconds: () => 31 }), [
      'spec.containers.0.startupProbe: startupProbe allows 30s to boot (initialDelaySeconds + (failureThreshold - 1) x periodSeconds) but the container declares 31s',
    ]);
  });
});

describe('prestop-sleep-invalid', () => {
  // validateSleepAction (pkg/apis/core/validation/validation.go, read at commit 000f260: see docs/lint.md)
  // accepts 0 to the pod's terminationGracePeriodSeconds, which defaults to 30.
  const sleeping = (seconds: unknown, spec: PlainObject = {}): PlainObject => podDoc({ lifecycle: { preStop: { sleep: { seconds } } } }, spec);
  const AT = 'spec.containers.0.lifecycle.preStop.sleep.seconds';

  test('a negative sleep is rejected; the message names the field from the container on', () => {
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(-1)), [
      `${AT}: lifecycle.preStop.sleep.seconds is -1; the API server accepts 0 to terminationGracePeriodSeconds (30, the default)`,
    ]);
  });

  test('a sleep equal to the grace period is accepted, one above it is not (default and declared grace)', () => {
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(30)), []);
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(31)), [
      `${AT}: lifecycle.preStop.sleep.seconds is 31; the API server accepts 0 to terminationGracePeriodSeconds (30, the default)`,
    ]);
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(20, { terminationGracePeriodSeconds: 20 })), []);
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(21, { terminationGracePeriodSeconds: 20 })), [
      `${AT}: lifecycle.preStop.sleep.seconds is 21; the API server accepts 0 to terminationGracePeriodSeconds (20)`,
    ]);
  });

  test('a sleep under the default grace period is accepted', () => {
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(10)), []);
  });

  test('seconds that are not a number are left to the schema check', () => {
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping('-1')), []);
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping('40')), []);
  });

  test('a zero sleep is fine from 1.33 on, including a later major version', () => {
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(0), { kubeVersion: [2, 0] }), []);
    assert.deepEqual(findings('prestop-sleep-invalid', sleeping(0), { kubeVersion: [1, 32] }), [
      `${AT}: lifecycle.preStop.sleep.seconds is 0: Kubernetes 1.32 rejects it unless the PodLifecycleSleepActionAllowZero gate is turned on (on by default from 1.33)`,
    ]);
  });
});

describe('atLeast', () => {
  test('compares major first, then minor', () => {
    assert.equal(atLeast([1, 33], 1, 33), true);
    assert.equal(atLeast([1, 34], 1, 33), true);
    assert.equal(atLeast([1, 32], 1, 33), false);
    assert.equal(atLeast([2, 0], 1, 33), true);
    assert.equal(atLeast([0, 40], 1, 33), false);
  });
});

describe('shutdown-exceeds-grace', () => {
  // The grace period covers the preStop hook and the SIGTERM drain together: killContainer takes the
  // hook's time off the grace before it sends SIGTERM (kuberuntime_container.go@v1.34 killContainer).
  // The default grace is 30 s (DefaultTerminationGracePeriodSeconds, docs/lint.md).
  const exec = (...command: unknown[]): PlainObject => ({ lifecycle: { preStop: { exec: { command } } } });
  const sleep = (seconds: unknown): PlainObject => ({ lifecycle: { preStop: { sleep: { seconds } } } });
  const PRESTOP = 'spec.containers.0.lifecycle.preStop';

  test('a drain longer than the grace period, with no preStop, is reported on the pod spec; equal fits', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc({}), { drainSeconds: 31 }), ['spec: drain 31s exceeds terminationGracePeriodSeconds 30s (the default)']);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc({}), { drainSeconds: 30 }), []);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc({})), []);
  });

  test('with a declared grace period the drain finding points at terminationGracePeriodSeconds', () => {
    const found = raw('shutdown-exceeds-grace', podDoc({}, { terminationGracePeriodSeconds: 20 }), { drainSeconds: 25 });
    assert.deepEqual(
      found.map((f) => [f.path.join('.'), f.message, f.container]),
      [['spec.terminationGracePeriodSeconds', 'drain 25s exceeds terminationGracePeriodSeconds 20s', undefined]],
    );
  });

  test('preStop plus drain is one finding per container, and no separate drain finding', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(sleep(5)), { drainSeconds: 40 }), [
      `${PRESTOP}: preStop sleep 5s + drain 40s = 45s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
    // The preStop sleep alone fits; with the drain it does not, and the drain is not reported again.
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(sleep(1)), { drainSeconds: 40 }), [
      `${PRESTOP}: preStop sleep 1s + drain 40s = 41s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
  });

  test('preStop plus drain equal to the grace period fits', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(sleep(20)), { drainSeconds: 10 }), []);
  });

  test('without a declared drain, or for a sidecar, the message counts the preStop sleep only', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(sleep(35))), [
      `${PRESTOP}: preStop sleep 35s = 35s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
    // A sidecar (init container with restartPolicy Always) is not the app: the app's drain is not its time.
    const sidecar = (seconds: number): PlainObject =>
      podDoc({}, { initContainers: [{ name: 'proxy', image: 'example/proxy:1', restartPolicy: 'Always', ...sleep(seconds) }] });
    assert.deepEqual(findings('shutdown-exceeds-grace', sidecar(35), { drainSeconds: 10 }), [
      'spec.initContainers.0.lifecycle.preStop: preStop sleep 35s = 35s exceeds terminationGracePeriodSeconds 30s (the default)',
    ]);
    assert.deepEqual(findings('shutdown-exceeds-grace', sidecar(25), { drainSeconds: 10 }), []);
  });

  test('an exec preStop is read for `sleep N`: bare, in a shell line, with fractions', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sleep', '40'))), [`${PRESTOP}: preStop sleep 40s = 40s exceeds terminationGracePeriodSeconds 30s (the default)`]);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('/bin/sh', '-c', 'sleep  40'))), [
      `${PRESTOP}: preStop sleep 40s = 40s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sh', '-c', 'nginx -s quit; sleep 30.5'))), [
      `${PRESTOP}: preStop sleep 30.5s = 30.5s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sleep', '30.25'))), [
      `${PRESTOP}: preStop sleep 30.25s = 30.25s exceeds terminationGracePeriodSeconds 30s (the default)`,
    ]);
  });

  test('a preStop without a readable sleep adds nothing (and does not throw)', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sh', '-c', 'nginx -s quit'))), []);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc({ lifecycle: { preStop: { httpGet: { path: '/drain', port: 8080 } } } })), []);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc({ lifecycle: { preStop: { exec: {} } } })), []);
    // Not strings: the schema check reports them, and the command as the API server would take it has no sleep.
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sleep', 40))), []);
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(sleep('40'))), []);
  });

  test('a preStop with no readable sleep leaves the drain to be reported on its own, against the pod spec', () => {
    assert.deepEqual(findings('shutdown-exceeds-grace', podDoc(exec('sh', '-c', 'nginx -s quit')), { drainSeconds: 40 }), [
      'spec: drain 40s exceeds terminationGracePeriodSeconds 30s (the default)',
    ]);
  });
});
