import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TSC = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));

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

function run(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return { child, output: () => out };
}

// examples/nestjs is written the way Nest users write (decorators, emitDecoratorMetadata, Health injected by type),
// so it has its own tsconfig.json; the test compiles it and runs it as a real process.
// NOTE: KUBERNETES_SERVICE_HOST set and no drain delay configured, as a new user in a pod would run it
// (the default 5 s delay); the variable is only read, nothing connects to it.
test('examples/nestjs compiles with decorators, serves probes from its own port, and on SIGTERM in Kubernetes serves 5 s, drains, then Nest closes the database: no second-signal exit', { timeout: 120_000 }, async () => {
  const tsc = run([TSC, '-p', 'examples/nestjs']);
  const [tscCode] = (await once(tsc.child, 'exit')) as [number | null];
  assert.equal(tscCode, 0, tsc.output());

  const app = run(['examples/nestjs/dist/main.js'], { PORT: '0', PROBEKIT_PORT: '0', PROBEKIT_HOST: '127.0.0.1', KUBERNETES_SERVICE_HOST: '10.96.0.1', DRAIN_DELAY_MS: '' });
  const exited = once(app.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const start = Date.now();
    while (!/listening on/.test(app.output())) {
      if (app.child.exitCode !== null || Date.now() - start > 60_000) throw new Error(`the example did not start: ${app.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const probePort = Number(/probes on http:\/\/[^:]+:(\d+)/.exec(app.output())?.[1]);
    const appPort = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(app.output())?.[1]);
    const ready = await get(probePort, '/readyz?verbose');
    assert.equal(ready.status, 200, ready.body);
    assert.match(ready.body, /^\[\+\]database ok$/m);
    assert.equal((await get(appPort, '/')).body, 'hello from nest\n');
    // Still running when the 5 s drain delay ends, so the drain has to wait for it.
    const inFlight = get(appPort, '/work?ms=6000');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    assert.deepEqual(await inFlight, { status: 200, body: 'done\n' }, 'the query ran on an open database');
    const [code, signal] = await exited;
    assert.ok(Date.now() - signalledAt >= 5000, 'served through the 5 s drain delay');
    // Plain enableShutdownHooks(): Nest re-raises the signal after its hooks, so the process ends by SIGTERM.
    assert.deepEqual([code, signal], [null, 'SIGTERM'], app.output());
    assert.match(app.output(), /serving normally for 5 s \(drainDelayMs\)/);
    assert.match(app.output(), /waiting for 1 in-flight request\(s\)\nprobekit shutdown: drained \(code 0\) after \d\.\d s; the framework shuts down the rest\ndatabase closed\n$/);
    assert.doesNotMatch(app.output(), /second SIGTERM/);
  } finally {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await exited;
    }
  }
});
