import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const APP = fileURLToPath(new URL('../../../../examples/nextjs', import.meta.url));
const NEXT = fileURLToPath(new URL('../../../../node_modules/next/dist/bin/next', import.meta.url));

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what: string, predicate: () => Promise<boolean> | boolean, ms: number, output: () => string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function run(args: readonly string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [NEXT, ...args], { cwd: ROOT, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return { child, output: () => out };
}

// NOTE: the test builds examples/nextjs itself (next build, Turbopack): 13-35 s and 36 MB in examples/nextjs/.next here.
test('next start of examples/nextjs with NEXT_MANUAL_SIG_HANDLE: probes from instrumentation.ts, SIGTERM fails readiness, serves through the drain delay, the in-flight request finishes, hooks run, exit 0', { timeout: 300_000 }, async (t) => {
  const begun = Date.now();
  const build = run(['build', APP], {});
  const [buildCode] = (await once(build.child, 'exit')) as [number | null];
  assert.equal(buildCode, 0, build.output());
  t.diagnostic(`next build took ${Date.now() - begun} ms`);

  const [appPort, probePort] = [await freePort(), await freePort()];
  const server = run(['start', APP, '-p', String(appPort), '-H', '127.0.0.1'], {
    NEXT_MANUAL_SIG_HANDLE: 'true',
    PROBEKIT_PORT: String(probePort),
    PROBEKIT_HOST: '127.0.0.1',
    DRAIN_DELAY_MS: '5000',
  });
  const exited = once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const status = (path: string, port = probePort) => get(port, path).then((r) => r.status, () => 0);
    await until('readiness', async () => (await status('/readyz')) === 200, 60_000, server.output);
    const page = await get(appPort, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /hello from next\.js/);

    const inFlight = get(appPort, '/work?ms=6000');
    // The route handler is running when the signal arrives.
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.child.kill('SIGTERM');
    await until('readiness to fail', async () => (await status('/readyz')) === 503, 10_000, server.output);
    assert.equal(await status('/livez'), 200, 'liveness keeps passing');
    assert.ok(!/stopped accepting/.test(server.output()), 'still inside the drain delay');
    const during = await get(appPort, '/');
    assert.equal(during.status, 200, 'a request during the drain delay is served normally');
    assert.deepEqual(await inFlight, { status: 200, body: 'done\n' });
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [0, null], server.output());
    assert.match(server.output(), /probekit shutdown: stopped accepting on 1 server\(s\); idle keep-alive connections closed; waiting for 1 in-flight request\(s\)\n/);
    assert.match(server.output(), /probekit shutdown: hook "database pool" done in \d+ ms\nprobekit shutdown: exiting with code 0 after \d\.\d s\n/);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await exited;
    }
  }
});
