import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHealth } from 'probekit';
import { run } from './lint.js';
import { SCHEMA_KUBERNETES_VERSION, SCHEMA_VERSIONS } from '../manifests/schema.js';
import { run as runManifest } from './manifest.js';
import { captureIO } from '@probekit/test-support';

const FIXTURES = fileURLToPath(new URL('../../src/lint/test-fixtures/', import.meta.url));

async function call(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const capture = captureIO(stdin);
  const code = await run(argv, capture.io);
  return { code, out: capture.out(), err: capture.err() };
}

describe('probekit-cli lint', () => {
  test('a clean file exits 0', async () => {
    const r = await call([`${FIXTURES}good-deployment.yaml`]);
    assert.deepEqual([r.code, r.out, r.err], [0, '1 file, 1 workload checked: no probe problems found\n', '']);
  });

  test('findings exit 1 with file:line:col in the text report', async () => {
    const r = await call([`${FIXTURES}helm-rendered.yaml`]);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^${FIXTURES}helm-rendered\\.yaml:43:11: warning probe-shared-endpoint: `));
  });

  test('--fail-on error ignores warnings; --fail-on note counts them', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: i\n      ports:\n        - containerPort: 80\n';
    assert.equal((await call(['-'], text)).code, 1); // readiness-missing is a warning
    assert.equal((await call(['-', '--fail-on', 'error'], text)).code, 0);
    const r = await call(['-', '--json'], text);
    const doc = JSON.parse(r.out) as { findings: { file: string; ruleId: string; line: number; column: number }[] };
    assert.deepEqual(doc.findings.map((f) => [f.file, f.ruleId, f.line, f.column]), [['<stdin>', 'readiness-missing', 7, 7]]);
  });

  test('a directory is searched for YAML, recursively, in name order', async () => {
    const r = await call([FIXTURES, '--format', 'json']);
    const doc = JSON.parse(r.out) as { filesChecked: number; summary: Record<string, number> };
    assert.equal(r.code, 2); // malformed.yaml is in the corpus: bad input wins
    assert.equal(doc.filesChecked, 25);
    assert.deepEqual(doc.summary, { error: 36, warning: 23, note: 4 });
  });

  test('--help names the Kubernetes versions of the bundled schemas', async () => {
    const r = await call(['--help']);
    assert.equal(r.code, 0);
    assert.ok(r.out.includes(`(Kubernetes ${SCHEMA_VERSIONS.join(' or ')}; default ${SCHEMA_KUBERNETES_VERSION})`), r.out);
  });

  test('an empty directory, package.json and a file that is no manifest are not clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probekit-lint-'));
    try {
      const empty = await call([dir]);
      assert.deepEqual([empty.code, empty.out.split('\n').at(-2)], [1, '0 files, 0 workloads checked: 0 errors, 1 warning, 0 notes']);
      writeFileSync(join(dir, 'package.json'), '{ "name": "svc", "version": "1.0.0" }\n');
      const pkg = await call([join(dir, 'package.json')]);
      assert.equal(pkg.code, 1);
      assert.match(pkg.out, /warning no-workload: nothing to check: no workload, pod template or container in the input \(skipped: \(no kind\) x1\)/);
      const other = await call(['-'], 'foo: bar\n');
      assert.equal(other.code, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the summary says how many documents were skipped and of which kinds', async () => {
    const r = await call([`${FIXTURES}custom-resources.yaml`]);
    assert.equal(r.out.split('\n').at(-2), '1 file, 4 workloads, 2 documents skipped (ConfigMap x1, Service x1) checked: 1 error, 2 warnings, 0 notes');
    const json = JSON.parse((await call([`${FIXTURES}custom-resources.yaml`, '--json'])).out) as { workloads: number; skipped: unknown };
    assert.deepEqual([json.workloads, json.skipped], [4, { ConfigMap: 1, Service: 1 }]);
  });

  test('probekit-cli manifest output with liveness moved onto the readiness path fails the lint', async () => {
    const capture = captureIO('');
    assert.equal(await runManifest([], capture.io), 0);
    const edited = capture.out().replace('path: /livez', 'path: /readyz');
    const r = await call(['-'], edited);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /<stdin>:\d+:\d+: error liveness-on-readiness-endpoint: /);
    assert.match(r.out, /<stdin>:\d+:\d+: note probe-shared-endpoint: /);
    const clean = await call(['-'], capture.out());
    assert.deepEqual([clean.code, clean.out], [0, '1 file, 1 workload checked: no probe problems found\n']);
  });

  test('--kube-version decides whether a zero preStop sleep is rejected', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: i\n      lifecycle:\n        preStop:\n          sleep:\n            seconds: 0\n';
    assert.match((await call(['-', '--kube-version', '1.31'], text)).out, /error prestop-sleep-invalid: lifecycle\.preStop\.sleep\.seconds is 0: Kubernetes 1\.31 rejects it/);
    assert.deepEqual(await call(['-', '--kube-version', '1.34'], text), { code: 0, out: '1 file, 1 workload checked: no probe problems found\n', err: '' });
  });

  test('malformed YAML exits 2 with a positioned error and no stack trace', async () => {
    const r = await call([`${FIXTURES}malformed.yaml`]);
    assert.equal(r.code, 2);
    assert.match(r.out, /malformed\.yaml:10:1: error yaml-syntax: /);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /);
  });

  test('--format sarif prints SARIF 2.1.0', async () => {
    const r = await call([`${FIXTURES}list.yaml`, '--format', 'sarif']);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.out) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0]?.results.length, 4);
  });

  test('--boot-seconds checks startup budgets', async () => {
    const r = await call([`${FIXTURES}good-workload-kinds.yaml`, '--boot-seconds', '45', '--json']);
    const doc = JSON.parse(r.out) as { findings: { ruleId: string; object: string }[] };
    // Liveness without startup probe: 0 + 3 x 10 s = 30 s < 45 s, for the three workloads with liveness.
    assert.deepEqual(doc.findings.map((f) => [f.ruleId, f.object]), [
      ['startup-budget-short', 'StatefulSet/db'],
      ['startup-budget-short', 'DaemonSet/node-agent'],
      ['startup-budget-short', 'ReplicaSet/worker'],
    ]);
  });

  const usage: [string, string[], RegExp][] = [
    ['no input', [], /expected files, directories or -/],
    ['a missing file', ['/nonexistent/x.yaml'], /cannot read `\/nonexistent\/x\.yaml`: ENOENT/],
    ['a bad format', ['-', '--format', 'xml'], /`--format` must be one of text, json, sarif, got `xml`/],
    ['a bad fail-on', ['-', '--fail-on', 'fatal'], /`--fail-on` must be one of error, warning, note, got `fatal`/],
    ['a bad number', ['-', '--boot-seconds', 'soon'], /`--boot-seconds` must be a whole number of seconds, got `soon`/],
    ['a bad live URL', ['--live', 'tcp://x:1'], /`--live` must be an http\(s\) URL/],
    ['a bad Kubernetes version', ['-', '--kube-version', 'one'], /Expected `--kube-version` to be a Kubernetes version like 1\.33, got `one`/],
  ];
  for (const [name, argv, message] of usage) {
    test(`bad input (${name}) exits 2`, async () => {
      const r = await call(argv);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
    });
  }

  test('--live lints a running service and exits 1 on a liveness dependency', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probekit-lint-'));
    const health = createHealth({ allowLivenessDependencies: ['db'] });
    health.liveness('db', { check: () => undefined, dependency: true });
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main', detailsToken: 'tok-tok-tok' });
    try {
      const r = await call(['--live', server.url, '--token', 'tok-tok-tok', '--samples', '2', '--json']);
      assert.equal(r.code, 1, r.err);
      const doc = JSON.parse(r.out) as { findings: { ruleId: string }[] };
      assert.deepEqual(doc.findings.filter((f) => !f.ruleId.startsWith('live-measurement')).map((f) => f.ruleId), ['live-liveness-dependency']);
      writeFileSync(join(dir, 'none.yaml'), 'kind: Pod\n');
      const missing = await call(['--live', server.url, '--manifest', join(dir, 'none.yaml')]);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /no container with probes in/);
    } finally {
      await health.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
