import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/probekit-cli.js', import.meta.url));

async function until(url: string, status: number, init: RequestInit = {}): Promise<string> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const r = await fetch(url, init).catch(() => undefined);
    const body = r ? await r.text() : '';
    if (r?.status === status) return body;
    if (performance.now() > deadline) assert.fail(`${url}: expected ${status}, got ${r?.status} ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the demo boots through startup, fails readiness (not liveness) when its datastore is down, recovers, and shuts down cleanly', async () => {
  const child = spawn(process.execPath, [bin, 'demo', '--port', '0', '--probe-port', '0', '--warmup-seconds', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    while (!/probes {2}(http:\/\/\S+)\/livez/.test(out) || !/app {5}(http:\/\/\S+)\//.test(out)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(child.exitCode, null, out);
    }
    const probes = /probes {2}(http:\/\/\S+)\/livez/.exec(out)?.[1] ?? '';
    assert.match(out, /^ {2}keys {4}none \(stdin is not a terminal\): use the POST \/admin\/fault\/\.\.\. routes; SIGTERM shuts down gracefully$/m);
    const app = /app {5}(http:\/\/\S+?)\/ /.exec(out)?.[1] ?? '';
    await until(`${probes}/startupz`, 200);
    await until(`${probes}/readyz`, 200);
    assert.match(await (await fetch(`${app}/`)).text(), /^hello from the probekit-cli demo, visit \d+\n$/);
    const statusPage = await fetch(/status {2}(http:\/\/\S+)/.exec(out)?.[1] ?? 'http://banner-has-no-status-url');
    assert.deepEqual([statusPage.status, statusPage.headers.get('content-type'), /<title>probekit status<\/title>/.test(await statusPage.text())], [200, 'text/html; charset=utf-8', true]);

    assert.equal(await (await fetch(`${app}/admin/fault/down`, { method: 'POST' })).text(), 'datastore down\n');
    const failing = await until(`${probes}/readyz`, 503, { headers: { authorization: 'Bearer demo-details-token' } });
    assert.match(failing, /^\[-\]datastore failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(/m);
    assert.equal(await until(`${probes}/livez`, 200), 'ok');

    await fetch(`${app}/admin/fault/clear`, { method: 'POST' });
    await until(`${probes}/readyz`, 200);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(out, /shutting down: readiness fails now, liveness stays ok\n/);
    assert.match(out, /stopped\n$/);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

for (const flag of ['--port', '--probe-port'] as const) {
  test(`a taken ${flag} is a clear error and exit 2, never a hang`, async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    const args = flag === '--port' ? ['--port', String(port), '--probe-port', '0'] : ['--port', '0', '--probe-port', String(port)];
    const child = spawn(process.execPath, [bin, 'demo', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // Bounded: the bug was a process that never exited.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const [code] = await once(child, 'exit');
      assert.equal(code, 2, err);
      assert.equal(err, `probekit-cli demo: cannot listen on 127.0.0.1:${port} (${flag}): the port is already in use (EADDRINUSE); pick another with ${flag} <n>, or ${flag} 0 for a free one\n`);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
}

test('bad demo flags are usage errors (exit 2) that name the flag', async () => {
  const child = spawn(process.execPath, [bin, 'demo', '--port', 'http'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.equal(err, 'probekit-cli demo: expected --port to be a non-negative integer, got "http"\n');
});
