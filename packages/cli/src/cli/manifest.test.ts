import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { lintText } from '../lint/lint.js';
import { captureIO } from '@probekit/test-support';
import { run } from './manifest.js';

async function call(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const capture = captureIO(process.stdin);
  const code = await run(argv, capture.io);
  return { code, out: capture.out(), err: capture.err() };
}

describe('probekit-cli manifest', () => {
  test('prints a YAML pod template fragment with every flag applied', async () => {
    const r = await call([
      '--container', 'api', '--port', '3000', '--probe-port', '9000', '--boot-seconds', '120',
      '--drain-delay-seconds', '10', '--grace-seconds', '40', '--probe-paths', '/live,/ready,/started',
    ]);
    assert.equal(r.code, 0, r.err);
    const doc = parse(r.out) as { metadata: unknown; spec: { terminationGracePeriodSeconds: number; containers: Record<string, unknown>[] } };
    assert.deepEqual(doc.metadata, { annotations: { 'probekit.dev/boot-seconds': '120', 'probekit.dev/drain-seconds': '10' } });
    assert.equal(doc.spec.terminationGracePeriodSeconds, 40);
    const c = doc.spec.containers[0];
    assert.deepEqual(c?.['ports'], [{ name: 'http', containerPort: 3000 }, { name: 'probes', containerPort: 9000 }]);
    assert.deepEqual(c?.['startupProbe'], { httpGet: { path: '/started', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 31 });
    assert.deepEqual(c?.['env'], [{ name: 'PROBEKIT_PORT', value: '9000' }, { name: 'PROBEKIT_TERMINATION_GRACE_SECONDS', value: '40' }]);
    assert.deepEqual((c?.['livenessProbe'] as { httpGet: unknown }).httpGet, { path: '/live', port: 'probes' });
    assert.deepEqual((c?.['readinessProbe'] as { httpGet: unknown }).httpGet, { path: '/ready', port: 'probes' });
  });

  test('--deployment --format json prints a Deployment that lints clean', async () => {
    const r = await call(['--deployment', '--image', 'example/api:2', '--name', 'api', '--format', 'json', '--prestop', 'sleep']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { kind: string; metadata: { name: string } };
    assert.deepEqual([doc.kind, doc.metadata.name], ['Deployment', 'api']);
    assert.deepEqual(await lintText(r.out, 'api.json'), []);
  });

  test('--boot-seconds 1 never yields a startup failureThreshold below 3', async () => {
    const r = await call(['--boot-seconds', '1', '--json']);
    const doc = JSON.parse(r.out) as { spec: { containers: { startupProbe: { failureThreshold: number } }[] } };
    assert.equal(doc.spec.containers[0]?.startupProbe.failureThreshold, 3);
  });

  test('--deployment YAML has no anchors or aliases', async () => {
    const r = await call(['--deployment', '--image', 'example/api:2', '--name', 'api']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /[&*]a\d/);
    assert.deepEqual(await lintText(r.out, 'api.yaml'), []);
  });

  const usage: [string, string[], string][] = [
    ['a non-number', ['--port', 'http'], '`--port` must be a whole number, got `http`'],
    ['a port out of range', ['--port', '99999'], 'Expected `--port` to be a port (1-65535), got `99999`'],
    ['grace below the drain', ['--drain-delay-seconds', '30'], 'Expected `--grace-seconds` to exceed `--drain-delay-seconds` + 2 s (time to finish in-flight requests), got `30` with a drain delay of 30'],
    ['a bad prestop', ['--prestop', 'later'], 'Expected `--prestop` to be one of `none`, `sleep`, `exec`, got `"later"`'],
    ['two paths', ['--probe-paths', '/a,/b'], '`--probe-paths` must be three comma-separated paths (liveness,readiness,startup), got `/a,/b`'],
    ['a bad format', ['--format', 'toml'], '`--format` must be yaml or json, got `toml`'],
    ['--deployment without image', ['--deployment'], '`--deployment` needs `--image`'],
    ['a zero preStop sleep', ['--prestop', 'sleep', '--drain-delay-seconds', '0'], 'Expected `--drain-delay-seconds` to be at least 1 with a preStop hook (`--prestop` is `sleep`), got `0`'],
    ['a name that is not DNS-1123', ['--deployment', '--image', 'x/y:1', '--name', 'Bad_Name'], "Expected `--name` to be a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters), got `Bad_Name`"],
  ];
  for (const [name, argv, message] of usage) {
    test(`usage error: ${name} exits 2`, async () => {
      const r = await call(argv);
      assert.equal(r.code, 2);
      assert.equal(r.err.split('\n')[0], `probekit-cli manifest: ${message}`);
      assert.equal(r.out, '');
    });
  }
});
