import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { skipUnlessTool } from '@probekit/test-support';
import { PROBE_USER_AGENT, probeOnce } from './probe-client.js';

/** A real server on port 0 that tracks its sockets so close() never waits on a hung response. */
async function serve(handler: RequestListener, make: (h: RequestListener) => Server = createServer): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const server = make(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('http probes', () => {
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  let app: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    app = await serve((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const url = new URL(req.url ?? '/', 'http://x');
      const status = Number(url.searchParams.get('status') ?? '200');
      const location = url.searchParams.get('location');
      if (url.pathname === '/big') {
        // 20 KiB and never ends: the probe must stop at 10 KiB without waiting for the end.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x'.repeat(20 * 1024));
        return;
      }
      if (url.pathname === '/stall') {
        res.writeHead(200);
        res.write('partial');
        return;
      }
      if (url.pathname === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      }
      if (url.pathname === '/slow-redirect') {
        setTimeout(() => {
          res.writeHead(302, { location: '/slow-redirect' });
          res.end();
        }, 150);
        return;
      }
      res.writeHead(status, location ? { location } : {});
      res.end(`status ${status}`);
    });
  });
  after(() => app.close());

  const table: [string, string, 'success' | 'failure' | 'warning', string][] = [
    ['200 is healthy', '/?status=200', 'success', 'HTTP 200'],
    ['204 is healthy', '/?status=204', 'success', 'HTTP 204'],
    ['399 is healthy', '/?status=399', 'success', 'HTTP 399'],
    ['a 3xx without Location is healthy', '/?status=304', 'success', 'HTTP 304'],
    ['400 is unhealthy', '/?status=400', 'failure', 'HTTP 400'],
    ['500 is unhealthy', '/?status=500', 'failure', 'HTTP 500'],
    ['503 is unhealthy', '/?status=503', 'failure', 'HTTP 503'],
    ['a same-host redirect is followed', '/?status=302&location=%2F%3Fstatus%3D503', 'failure', 'HTTP 503 after 1 redirect'],
  ];
  for (const [name, path, outcome, output] of table) {
    test(name, async () => {
      const r = await probeOnce(new URL(`${app.url}${path}`), { timeoutMs: 5000 });
      assert.deepEqual([r.outcome, r.output], [outcome, output]);
    });
  }

  test('sends GET with the kube-probe-like User-Agent, Accept */* and no keep-alive', async () => {
    seen = [];
    await probeOnce(new URL(`${app.url}/livez`), { timeoutMs: 5000 });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.method, 'GET');
    assert.equal(seen[0]?.url, '/livez');
    assert.equal(seen[0]?.headers['user-agent'], 'kube-probe/1.34 (probekit)');
    assert.equal(PROBE_USER_AGENT, 'kube-probe/1.34 (probekit)');
    assert.equal(seen[0]?.headers['accept'], '*/*');
    assert.equal(seen[0]?.headers['connection'], 'close');
  });

  test('extra headers are sent and replace a default of the same name', async () => {
    seen = [];
    await probeOnce(new URL(`${app.url}/`), { timeoutMs: 5000, headers: { 'User-Agent': 'mine', 'X-Probe': 'yes' } });
    assert.equal(seen[0]?.headers['user-agent'], 'mine');
    assert.equal(seen[0]?.headers['x-probe'], 'yes');
  });

  test('a redirect to another host is not followed and is healthy with a warning', async () => {
    seen = [];
    const port = new URL(app.url).port;
    const r = await probeOnce(new URL(`${app.url}/?status=301&location=${encodeURIComponent(`http://localhost:${port}/?status=500`)}`), { timeoutMs: 5000 });
    assert.equal(r.outcome, 'warning');
    assert.equal(r.statusCode, 301);
    assert.equal(r.output, `HTTP 301: redirect to http://localhost:${port}/?status=500 not followed (another host)`);
    assert.equal(seen.length, 1);
  });

  test('a redirect to another scheme fails, as Go\'s client errors on it', async () => {
    seen = [];
    const r = await probeOnce(new URL(`${app.url}/?status=302&location=${encodeURIComponent('ftp://127.0.0.1/')}`), { timeoutMs: 5000 });
    assert.deepEqual([r.outcome, r.output], ['failure', 'HTTP 302: redirect to ftp://127.0.0.1/: unsupported protocol scheme']);
    assert.equal(seen.length, 1);
  });

  test('the 10th same-host redirect fails (9 followed, 10 requests)', async () => {
    seen = [];
    const r = await probeOnce(new URL(`${app.url}/loop`), { timeoutMs: 5000 });
    assert.deepEqual([r.outcome, r.output], ['failure', 'stopped after 10 redirects']);
    assert.equal(seen.length, 10);
  });

  test('reads at most 10 KiB of body and does not wait for the rest', async () => {
    const r = await probeOnce(new URL(`${app.url}/big`), { timeoutMs: 5000 });
    assert.equal(r.outcome, 'success');
    assert.equal(r.body?.length, 10 * 1024);
    assert.ok(r.durationMs < 4000, `took ${r.durationMs} ms`);
  });

  test('the timeout covers the body: a stalled body fails at the deadline', async () => {
    const r = await probeOnce(new URL(`${app.url}/stall`), { timeoutMs: 300 });
    assert.deepEqual([r.outcome, r.output], ['failure', 'timed out after 300 ms']);
    assert.ok(r.durationMs >= 290, `took ${r.durationMs} ms`);
  });

  test('the timeout covers redirects: one deadline for the whole chain', async () => {
    seen = [];
    const r = await probeOnce(new URL(`${app.url}/slow-redirect`), { timeoutMs: 400 });
    assert.deepEqual([r.outcome, r.output], ['failure', 'timed out after 400 ms']);
    // Each hop takes 150 ms, so the deadline falls during the third hop at the latest.
    assert.ok(seen.length >= 1 && seen.length <= 3, `${seen.length} requests`);
  });

  test('a refused connection fails with the reason', async () => {
    const r = await probeOnce(new URL(`http://127.0.0.1:${await freePort()}/livez`), { timeoutMs: 5000 });
    assert.equal(r.outcome, 'failure');
    assert.match(r.output, /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  test('an aborted signal fails the probe', async () => {
    const r = await probeOnce(new URL(`${app.url}/stall`), { timeoutMs: 5000, signal: AbortSignal.abort(new Error('stop')) });
    assert.deepEqual([r.outcome, r.output], ['failure', 'stop']);
  });

  test('rejects a bad timeout naming the option', async () => {
    await assert.rejects(probeOnce(new URL(app.url), { timeoutMs: 0 }), { message: 'Expected `timeoutMs` to be a positive integer, got `0`' });
  });
});

describe('https probes', async () => {
  let found = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    found = false;
  }
  const skip = await skipUnlessTool('openssl', found);
  test('a self-signed certificate is accepted, as the kubelet does', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probekit-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
      const app = await serve((_req, res) => res.end('ok'), (h) => createHttpsServer(tls, h));
      try {
        const r = await probeOnce(new URL(app.url.replace('http:', 'https:') + '/livez'), { timeoutMs: 5000 });
        assert.deepEqual([r.outcome, r.output, r.body], ['success', 'HTTP 200', 'ok']);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tcp probes', () => {
  test('a listening port is healthy', async () => {
    const server = createNetServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await probeOnce(new URL(`tcp://127.0.0.1:${port}`), { timeoutMs: 5000 });
      assert.deepEqual([r.outcome, r.output], ['success', `connected to 127.0.0.1:${port}`]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a closed port is unhealthy', async () => {
    const r = await probeOnce(new URL(`tcp://127.0.0.1:${await freePort()}`), { timeoutMs: 5000 });
    assert.equal(r.outcome, 'failure');
    assert.match(r.output, /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

describe('grpc probes against the official grpc-health-check service', () => {
  let server: grpc.Server;
  let port = 0;
  const health = new HealthImplementation({ '': 'SERVING', api: 'NOT_SERVING', warming: 'UNKNOWN' });
  before(async () => {
    server = new grpc.Server();
    health.addToServer(server);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
  });
  after(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));

  const table: [string, string, 'success' | 'failure', string | RegExp][] = [
    ['SERVING is healthy', '', 'success', 'gRPC health SERVING'],
    ['NOT_SERVING is unhealthy', '?service=api', 'failure', 'gRPC health NOT_SERVING for service "api"'],
    ['UNKNOWN is unhealthy', '?service=warming', 'failure', 'gRPC health UNKNOWN for service "warming"'],
    ['an unknown service is unhealthy', '?service=nope', 'failure', /NOT_FOUND/],
  ];
  for (const [name, query, outcome, output] of table) {
    test(name, async () => {
      const r = await probeOnce(new URL(`grpc://127.0.0.1:${port}${query}`), { timeoutMs: 5000 });
      assert.equal(r.outcome, outcome);
      if (typeof output === 'string') assert.equal(r.output, output);
      else assert.match(r.output, output);
    });
  }

  test('a status change is seen on the next probe', async () => {
    health.setStatus('api', 'SERVING');
    try {
      const r = await probeOnce(new URL(`grpc://127.0.0.1:${port}?service=api`), { timeoutMs: 5000 });
      assert.equal(r.outcome, 'success');
    } finally {
      health.setStatus('api', 'NOT_SERVING');
    }
  });

  test('a server that never answers fails at the deadline', async () => {
    // Accepts the connection and says nothing: no HTTP/2 preface, no response.
    const sockets = new Set<Socket>();
    const silent = createNetServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port: silentPort } = silent.address() as AddressInfo;
      const r = await probeOnce(new URL(`grpc://127.0.0.1:${silentPort}`), { timeoutMs: 400 });
      assert.equal(r.outcome, 'failure');
      assert.match(r.output, /^(timed out after 400 ms|.*DEADLINE_EXCEEDED.*)$/);
      assert.ok(r.durationMs >= 390 && r.durationMs < 4000, `took ${r.durationMs} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('a server that is not listening is unhealthy', async () => {
    const r = await probeOnce(new URL(`grpc://127.0.0.1:${await freePort()}`), { timeoutMs: 5000 });
    assert.equal(r.outcome, 'failure');
    assert.match(r.output, /UNAVAILABLE/);
  });
});
