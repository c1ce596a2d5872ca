import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { LabResult } from '../lab/simulate.js';
import { run } from './lab.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(args, { stdout, stderr, stdin: new PassThrough(), env: {} });
  return { code, stdout: out, stderr: err };
}

test('probekit-cli lab list names the shipped scenarios', async () => {
  const { code, stdout } = await cli(['list']);
  assert.equal(code, 0);
  for (const name of ['flapping', 'redis-blip', 'restart-storm', 'rolling-deploy', 'rolling-deploy-no-drain', 'slow-boot', 'slow-boot-no-startup', 'terminating-endpoints', 'terminating-endpoints-no-keep', 'terminating-endpoints-ready-only']) {
    assert.ok(stdout.split('\n').includes(name), name);
  }
});

test('probekit-cli lab <name> prints the summary and the timeline', async () => {
  const { code, stdout } = await cli(['redis-blip', '--width', '40']);
  assert.equal(code, 0);
  assert.match(stdout, /^redis-blip — /);
  assert.match(stdout, /requests: 1800 sent, 1490 served, 310 failed/);
  assert.match(stdout, /\nredis {4}\|-+D+-+\|\n/);
});

test('probekit-cli lab --compare runs the second configuration under the first one\'s faults, side by side, and writes HTML', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'probekit-lab-cli-'));
  const html = join(dir, 'compare.html');
  const { code, stdout } = await cli(['--compare', 'rolling-deploy-no-drain', 'rolling-deploy', '--html', html]);
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  assert.match(lines[0]!, /^\s+rolling-deploy-no-drain\s+rolling-deploy$/);
  assert.match(stdout, /\nrequests failed\s+198\s+159\n/);
  // Each timeline is headed by the configuration it shows.
  assert.match(stdout, /\nrolling-deploy-no-drain \(Kubernetes 1\.34 kubelet, kube-proxy\):\n {10}0s/);
  assert.match(stdout, /\nrolling-deploy \(Kubernetes 1\.34 kubelet, kube-proxy\):\n {10}0s/);
  const page = await readFile(html, 'utf8');
  assert.equal(page.match(/<svg /g)?.length, 2);
  assert.match(page, /requests failed\s+198\s+159\n/);
});

test('probekit-cli lab --json prints the whole result', async () => {
  const { code, stdout } = await cli(['slow-boot', '--json']);
  assert.equal(code, 0);
  const result = JSON.parse(stdout) as { summary: { restarts: number }; pods: unknown[] };
  assert.equal(result.summary.restarts, 0);
  assert.equal(result.pods.length, 3);
});

test('usage and scenario errors exit 2 with a message', async () => {
  assert.equal((await cli([])).code, 2);
  assert.equal((await cli(['a', 'b'])).code, 2);
  const missing = await cli(['no-such-scenario']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no scenario file `no-such-scenario`/);
  const width = await cli(['redis-blip', '--width', 'wide']);
  assert.equal(width.code, 2);
  assert.match(width.stderr, /`--width` to be an integer from 20 to 400, got `wide`/);
});

test('probekit-cli lab run needs a command after -- and well-formed --dependency flags', async () => {
  const noCommand = await cli(['run', 'redis-blip']);
  assert.equal(noCommand.code, 2);
  assert.match(noCommand.stderr, /expected `-- <command> \[args\.\.\.\]`/);
  const badDep = await cli(['run', '--dependency', 'redis=localhost', '--', 'node', 'x.js']);
  assert.equal(badDep.code, 2);
  assert.match(badDep.stderr, /expected `--dependency` as name=host:port or name=embedded, got `redis=localhost`/);
  const unmapped = await cli(['run', 'redis-blip', '--', 'node', 'x.js']);
  assert.equal(unmapped.code, 2);
  assert.match(unmapped.stderr, /the scenario's faults hit `redis`; say where it is: `--dependency redis=host:port` \(or `redis=embedded`\)/);
  const stray = await cli(['redis-blip', '--', 'node']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /needs `probekit-cli lab run`/);
});

test('the README walkthrough: probekit-cli lab run against real demo processes and an embedded datastore', { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'probekit-lab-run-'));
  const file = join(dir, 'blip.yaml');
  await writeFile(
    file,
    `name: demo-blip
duration: 20s
replicas: 2
traffic: { rps: 5, timeout: 2s }
cluster: { propagationDelay: 1s }
dependencies: { redis: {} }
pod:
  startupProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30 }
  livenessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3 }
  readinessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 }
faults:
  - { dependency: redis, kind: down, at: 7s, for: 6s }
`,
  );
  const bin = fileURLToPath(new URL('../../bin/probekit-cli.js', import.meta.url));
  const { code, stdout, stderr } = await cli(['run', file, '--dependency', 'redis=embedded', '--json', '--', process.execPath, bin, 'demo', '--warmup-seconds', '1']);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /`redis` is an embedded datastore on 127\.0\.0\.1:\d+/);
  const result = JSON.parse(stdout) as LabResult;
  assert.equal(result.mode, 'real');
  assert.deepEqual(result.pods.map((p) => p.restarts), [0, 0], stderr);
  for (const pod of result.pods) {
    // The demo read PORT, PROBEKIT_PORT and LAB_DEPENDENCY_REDIS: it became ready, left while the
    // datastore was refused through the lab's proxy (its readiness names the datastore), and came back.
    const inSegments = pod.loadBalancer.filter((s) => s.value === 'in');
    assert.ok(inSegments.length >= 2, `${pod.name}: ${JSON.stringify(pod.loadBalancer)}\n${stderr}`);
    assert.ok(inSegments.at(-1)!.from >= 13_000, `${pod.name} back at ${inSegments.at(-1)!.from}`);
    assert.ok(pod.failures.some((f) => f.kind === 'readiness' && f.detail.startsWith('503')), JSON.stringify(pod.failures));
    assert.equal(pod.probeFailures.liveness, 0);
  }
  assert.ok(result.summary.requestsServed > 20, `served ${result.summary.requestsServed}`);
  assert.ok(result.summary.requestsFailed > 0, 'requests failed while no replica was ready');
});
