import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('./test-fixtures/faulty-app.js', import.meta.url));
/** The fixture's gracePeriodMs; everything must be over before it. */
const GRACE_MS = 4000;

interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stuck?: string;
}

interface Run {
  /** A request that never finishes is in flight when the process is told to stop. */
  readonly stuck?: boolean;
  /** The signal sent. @default 'SIGTERM' */
  readonly signal?: NodeJS.Signals;
  /** Instead of a signal, GET this path (which makes the app fail). */
  readonly request?: string;
  readonly env?: Record<string, string>;
}

async function runScenario(scenario: string, run: Run = {}): Promise<Outcome> {
  const withStuckRequest = run.stuck ?? false;
  const child = spawn(process.execPath, [APP], { env: { ...process.env, ...run.env, SCENARIO: scenario }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  try {
    const start = Date.now();
    while (!/listening \d+/.test(stdout)) {
      if (child.exitCode !== null || Date.now() - start > 20_000) throw new Error(`fixture did not start: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const port = Number(/listening (\d+)/.exec(stdout)?.[1]);
    let stuck: Promise<string> | undefined;
    if (withStuckRequest) {
      stuck = new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/stuck' }, () => resolve('answered'));
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        req.end();
      });
      // Let it reach the server before the signal.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const signalledAt = Date.now();
    if (run.request) {
      const req = request({ host: '127.0.0.1', port, path: run.request });
      req.on('error', () => {});
      req.end();
    } else {
      child.kill(run.signal ?? 'SIGTERM');
    }
    const [code, signal] = await exited;
    const ms = Date.now() - signalledAt;
    return { code, signal, ms, stdout, stderr, ...(stuck ? { stuck: await stuck } : {}) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('a clean shutdown of a real process exits 0 at once', async () => {
  const r = await runScenario('clean');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < GRACE_MS, `exited after ${r.ms} ms`);
  assert.match(r.stdout, /probekit shutdown: hook "close pool" done in \d+ ms\nprobekit shutdown: exiting with code 0 after \d+ ms\n$/);
});

test('a hook that hangs: the process still exits inside the grace period with code 1, naming the hook', async () => {
  const r = await runScenario('hang-hook');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  // The hook's own 1 s limit ends it, well before the 4 s grace period.
  assert.ok(r.ms >= 1000 && r.ms < GRACE_MS, `exited after ${r.ms} ms`);
  assert.match(r.stderr, /probekit shutdown: hook "hang forever" timed out after 1 s; moving on\n/);
  assert.match(r.stderr, /exiting with code 1 after 1\.\d s; cut short: hook "hang forever" \(timed out after 1 s\)\n$/);
  assert.match(r.stdout, /hook "close pool" done/, 'the other hook still ran');
});

test('a hook that throws: exit code 1 and the error in the log', async () => {
  const r = await runScenario('throw-hook');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.ok(r.ms < GRACE_MS, `exited after ${r.ms} ms`);
  assert.match(r.stderr, /probekit shutdown: hook "flush logs" failed after \d+ ms: boom: log sink gone\n/);
  assert.match(r.stdout, /hook "close pool" done/, 'the other hook still ran');
});

test('a request that never finishes: cut when only the hooks\' time is left, named in the log, exit 1', async () => {
  const r = await runScenario('clean', { stuck: true });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  // Budget 3.5 s (4 s - 0.5 s margin) minus the one hook's 1 s leaves 2.5 s for the drain.
  assert.ok(r.ms >= 2400 && r.ms < GRACE_MS, `exited after ${r.ms} ms`);
  assert.match(r.stderr, /probekit shutdown: 1 request\(s\) still in flight after waiting 2\.5 s \(the rest is kept for the hooks\): GET \/stuck \(running 2\.\d s\); destroying their connections\n/);
  assert.match(r.stderr, /exiting with code 1 after 2\.\d s; cut short: request GET \/stuck\n$/);
  assert.equal(r.stuck, 'ECONNRESET');
});

test('stop signals: a container stopSignal other than SIGTERM (here SIGQUIT) runs the clean shutdown once it is listed in `signals`', async () => {
  const r = await runScenario('clean', { signal: 'SIGQUIT', env: { SIGNALS: 'SIGTERM,SIGQUIT' } });
  assert.deepEqual([r.code, r.signal], [0, null], r.stdout + r.stderr);
  assert.match(r.stdout, /^probekit shutdown: SIGQUIT received: readiness now fails/m);
  assert.match(r.stdout, /exiting with code 0 after \d+ ms\n$/);
});

test('stop signals: SIGQUIT not listed kills the process at once, no hook runs (what the lint rule stop-signal-unhandled warns about)', async () => {
  const r = await runScenario('clean', { signal: 'SIGQUIT' });
  assert.deepEqual([r.code, r.signal], [null, 'SIGQUIT'], r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /hook "close pool" done/);
});

test("uncaughtErrors 'shutdown': an exception thrown in a timer is logged, the drain and hooks run, the process exits 1", async () => {
  const r = await runScenario('uncaught', { request: '/crash' });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.ok(r.ms < GRACE_MS, `exited after ${r.ms} ms`);
  assert.match(r.stderr, /probekit shutdown: uncaughtException: Error: boom: handler bug\n {4}at /);
  assert.match(r.stdout, /probekit shutdown: uncaughtException: boom: handler bug: readiness now fails/);
  assert.match(r.stdout, /hook "close pool" done/, 'the hooks still ran');
  assert.match(r.stderr, /exiting with code 1 after \d+ ms\n$/);
});
