import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { generateProbeBlock, wrapInDeployment } from './generate.js';
import type { ManifestOptions } from './generate.js';
import { lintText } from '../lint/lint.js';
import { validateObject } from '../manifests/schema.js';

const variants: [string, ManifestOptions][] = [
  ['defaults', {}],
  ['probes on the app port', { port: 3000, probePort: 3000 }],
  ['a 5-minute boot (scenario B)', { bootSeconds: 300 }],
  ['a preStop sleep action', { preStop: 'sleep', drainDelaySeconds: 10, graceSeconds: 45 }],
  ['a preStop exec sleep', { preStop: 'exec', drainDelaySeconds: 15 }],
  ['custom paths and names', { container: 'api', paths: { liveness: '/healthz/live', readiness: '/healthz/ready', startup: '/healthz/started' } }],
];

describe('generated probe blocks', () => {
  for (const [name, options] of variants) {
    test(`${name}: validates against the schema and lints clean`, async () => {
      const deployment = wrapInDeployment(generateProbeBlock(options), 'svc', 'example/svc:1.0.0');
      assert.deepEqual(await validateObject('apps/v1', 'Deployment', deployment), []);
      assert.deepEqual(await validateObject('apps/v1', 'Deployment', deployment, '1.33'), []); // older clusters too
      const findings = await lintText(stringify(deployment), 'generated.yaml');
      assert.deepEqual(findings.map((f) => `${f.ruleId}: ${f.message}`), []);
      // JSON is YAML too: the same object in the other output format.
      assert.deepEqual(await lintText(JSON.stringify(deployment), 'generated.json'), []);
    });
  }

  test('the defaults, exactly', () => {
    assert.deepEqual(generateProbeBlock(), {
      metadata: { annotations: { 'probekit.dev/boot-seconds': '60', 'probekit.dev/drain-seconds': '5' } },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: 'app',
            ports: [
              { name: 'http', containerPort: 8080 },
              { name: 'probes', containerPort: 8081 },
            ],
            env: [
              { name: 'PROBEKIT_PORT', value: '8081' },
              { name: 'PROBEKIT_TERMINATION_GRACE_SECONDS', value: '30' },
            ],
            startupProbe: { httpGet: { path: '/startupz', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 16 },
            livenessProbe: { httpGet: { path: '/livez', port: 'probes' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: '/readyz', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
          },
        ],
      },
    });
  });

  test('the worst-case startup budget, (failureThreshold - 1) x periodSeconds, covers 1.25x the boot time', () => {
    const threshold = (boot: number): number =>
      ((generateProbeBlock({ bootSeconds: boot }).spec.containers[0] as Record<string, unknown>)['startupProbe'] as { failureThreshold: number }).failureThreshold;
    assert.equal(threshold(300), 76); // 75 x 5 s = 375 s after the first probe
    assert.equal(threshold(7), 3); // 2 x 5 s = 10 s >= 8.75 s
    // One refused connection right after start must not kill the container: never below 3 failures.
    assert.equal(threshold(1), 3);
    for (const boot of [1, 2, 7, 60, 61, 299]) assert.ok((threshold(boot) - 1) * 5 >= boot * 1.25, `boot ${boot}`);
  });

  test('one --grace-seconds drives the pod and the app: PROBEKIT_TERMINATION_GRACE_SECONDS, less a preStop sleep', () => {
    const env = (options: ManifestOptions): unknown => generateProbeBlock(options).spec.containers[0]?.['env'];
    assert.deepEqual(env({ graceSeconds: 45, probePort: 8080 }), [{ name: 'PROBEKIT_TERMINATION_GRACE_SECONDS', value: '45' }]);
    assert.deepEqual(env({ graceSeconds: 45, preStop: 'sleep', drainDelaySeconds: 10, probePort: 9090 }), [
      { name: 'PROBEKIT_PORT', value: '9090' },
      { name: 'PROBEKIT_TERMINATION_GRACE_SECONDS', value: '35' },
    ]);
  });

  test('a preStop sleep moves the drain delay out of the app', () => {
    const f = generateProbeBlock({ preStop: 'sleep', drainDelaySeconds: 10, graceSeconds: 45 });
    assert.deepEqual(f.metadata.annotations, { 'probekit.dev/boot-seconds': '60' });
    assert.deepEqual(f.spec.containers[0]?.['lifecycle'], { preStop: { sleep: { seconds: 10 } } });
  });

  const invalid: [string, ManifestOptions, string][] = [
    ['grace too short for the drain', { drainDelaySeconds: 28 }, 'Expected `graceSeconds` to exceed `drainDelaySeconds` + 2 s (time to finish in-flight requests), got `30` with a drain delay of 28'],
    ['port out of range', { port: 70000 }, 'Expected `port` to be a port (1-65535), got `70000`'],
    ['zero boot', { bootSeconds: 0 }, 'Expected `bootSeconds` to be a positive integer, got `0`'],
    ['bad container name', { container: 'My_App' }, "Expected `container` to be a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters), got `My_App`"],
    ['relative path', { paths: { liveness: 'livez' } }, 'Expected `paths.liveness` to start with "/", got `livez`'],
    ['shared path', { paths: { liveness: '/health', readiness: '/health' } }, 'Expected `paths.liveness` and `paths.readiness` to differ, got `/health` for both'],
    ['unknown preStop', { preStop: 'wait' as 'none' }, 'Expected `preStop` to be one of `none`, `sleep`, `exec`, got `"wait"`'],
    ['a zero preStop sleep', { preStop: 'sleep', drainDelaySeconds: 0 }, 'Expected `drainDelaySeconds` to be at least 1 with a preStop hook (`preStop` is `sleep`), got `0`'],
  ];
  test('a Deployment name that is not a DNS-1123 label is rejected', () => {
    assert.throws(() => wrapInDeployment(generateProbeBlock(), 'Bad_Name', 'example/svc:1'), {
      name: 'TypeError',
      message: "Expected `name` to be a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters), got `Bad_Name`",
    });
  });

  for (const [name, options, message] of invalid) {
    test(`rejects ${name}, naming the option and the value`, () => {
      assert.throws(() => generateProbeBlock(options), { name: 'TypeError', message });
    });
  }
});
