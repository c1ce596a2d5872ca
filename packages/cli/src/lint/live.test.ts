import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createHealth } from 'probekit';
import { lintLive } from './live.js';

const TOKEN = 'live-lint-token';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc
spec:
  selector:
    matchLabels:
      app: svc
  template:
    metadata:
      labels:
        app: svc
    spec:
      containers:
        - name: svc
          image: example/svc:1
          livenessProbe:
            httpGet:
              path: /livez
              port: 8081
            timeoutSeconds: 1
          readinessProbe:
            httpGet:
              path: /readyz
              port: 8081
`;

describe('probekit-cli lint --live against a real createHealth() probe server', () => {
  test('flags a dependency check on liveness, at the manifest\'s liveness probe', async () => {
    const health = createHealth({ allowLivenessDependencies: ['postgres'] });
    health.liveness('heartbeat', () => undefined);
    health.liveness('postgres', { check: () => undefined, dependency: true });
    health.readiness('redis', { check: () => undefined, dependency: true });
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main', detailsToken: TOKEN });
    try {
      const result = await lintLive(new URL(server.url), { token: TOKEN, samples: 3, manifest: { text: MANIFEST, file: 'svc.yaml' } });
      assert.equal(result.unreachable, undefined);
      const serious = result.findings.filter((f) => f.severity !== 'note');
      assert.deepEqual(
        serious.map((f) => [f.ruleId, `${f.file}:${f.line}:${f.column}`, f.message]),
        [['live-liveness-dependency', 'svc.yaml:17:11', 'check `postgres` is a dependency check and runs on /livez']],
      );
      const notes = result.findings.filter((f) => f.ruleId === 'live-measurement').map((f) => f.message);
      assert.equal(notes.length, 3);
      assert.match(notes[1] ?? '', /^\/livez: 200 x3; p50 \d+ ms, p99 \d+ ms, max \d+ ms over 3 requests; body \d+ bytes$/);
    } finally {
      await health.close();
    }
  });

  test('a clean service has only measurements; without the token it says what it could not check', async () => {
    const health = createHealth();
    health.liveness('heartbeat', () => undefined);
    health.readiness('redis', { check: () => undefined, dependency: true });
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main', detailsToken: TOKEN });
    try {
      const clean = await lintLive(new URL(server.url), { token: TOKEN, samples: 2 });
      assert.deepEqual(clean.findings.filter((f) => f.ruleId !== 'live-measurement'), []);
      const blind = await lintLive(new URL(server.url), { samples: 2 });
      assert.deepEqual(
        blind.findings.filter((f) => f.ruleId !== 'live-measurement').map((f) => [f.ruleId, f.severity, f.message]),
        [['live-details-unavailable', 'note', 'no details token given']],
      );
    } finally {
      await health.close();
    }
  });

  test('slow, oversized and redirecting endpoints are flagged', async () => {
    // A hand-made server that misbehaves in the three ways the kubelet cares about.
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/livez') {
        setTimeout(() => res.end('ok'), 1100);
      } else if (path === '/readyz') {
        res.end('x'.repeat(12 * 1024));
      } else if (path === '/startupz') {
        res.writeHead(302, { location: '/started' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await lintLive(new URL(base), { samples: 2 });
      assert.deepEqual(
        result.findings.filter((f) => f.severity !== 'note').map((f) => [f.ruleId, f.file]),
        [
          ['live-redirect', `${base}/startupz`],
          ['live-latency-at-timeout', `${base}/livez`],
          ['live-body-too-large', `${base}/readyz`],
        ],
      );
      const slow = result.findings.find((f) => f.ruleId === 'live-latency-at-timeout');
      assert.match(slow?.message ?? '', /^\/livez p99 is \d+ ms over 2 requests, at or above the default timeoutSeconds \(1s\)$/);
      assert.equal(result.findings.find((f) => f.ruleId === 'live-body-too-large')?.message, '/readyz returns 12288 bytes; the kubelet reads 10240');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a startup budget below the measured startup is flagged at the manifest\'s startup probe', async () => {
    // /metrics as the probekit collector writes it; the probe endpoints are fine.
    const server = createServer((req, res) => {
      if (req.url === '/metrics') res.end('# TYPE probekit_startup_duration_seconds gauge\nprobekit_startup_duration_seconds 42.5\n');
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const manifest = MANIFEST.replace('          livenessProbe:', '          startupProbe:\n            httpGet:\n              path: /startupz\n              port: 8081\n            failureThreshold: 4\n          livenessProbe:');
    try {
      const result = await lintLive(new URL(base), { samples: 1, manifest: { text: manifest, file: 'svc.yaml' } });
      assert.deepEqual(
        result.findings.filter((f) => f.severity !== 'note').map((f) => [f.ruleId, `${f.file}:${f.line}:${f.column}`, f.message]),
        [['live-startup-budget-short', 'svc.yaml:17:11', 'startupProbe allows 30s to boot in the worst case but this service took 42.5s to start']],
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('an unreachable service is reported, not thrown', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await lintLive(new URL(`http://127.0.0.1:${port}`), { samples: 1 });
    assert.match(result.unreachable ?? '', new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/startupz: connect ECONNREFUSED`));
  });
});
