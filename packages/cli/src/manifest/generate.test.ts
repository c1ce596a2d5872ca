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
            startupProbe: { httpGet: { path: '/startupz', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 15 },
            livenessProbe: { httpGet: { path: '/livez', port: 'probes' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: '/readyz', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
          },
        ],
      },
    });
  });

  test('the startup budget covers the boot time by 1.25x in whole periods', () => {
    const probe = (boot: number): unknown => (generateProbeBlock({ bootSeconds: boot }).spec.containers[0] as Record<string, unknown>)['startupProbe'];
    assert.equal((probe(300) as { failureThreshold: number }).failureThreshold, 75); // 375 s
    assert.equal((probe(7) as { failureThreshold: number }).failureThreshold, 2); // 10 s
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
    ['bad container name', { container: 'My_App' }, "Expected `container` to be a DNS-1123 label (lowercase letters, digits, '-'), got `My_App`"],
    ['relative path', { paths: { liveness: 'livez' } }, 'Expected `paths.liveness` to start with "/", got `livez`'],
    ['shared path', { paths: { liveness: '/health', readiness: '/health' } }, 'Expected `paths.liveness` and `paths.readiness` to differ, got `/health` for both'],
    ['unknown preStop', { preStop: 'wait' as 'none' }, 'Expected `preStop` to be one of `none`, `sleep`, `exec`, got `"wait"`'],
  ];
  for (const [name, options, message] of invalid) {
    test(`rejects ${name}, naming the option and the value`, () => {
      assert.throws(() => generateProbeBlock(options), { name: 'TypeError', message });
    });
  }
});
