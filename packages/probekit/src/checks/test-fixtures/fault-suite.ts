/**
 * The fault matrix every dependency check must survive, run against a real service through the
 * fault proxy: healthy, latency beyond the timeout, blackhole, reset, refuse, each followed by
 * recovery. Test-only (excluded from the package by `files`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { CheckDefinition } from '../../engine/types.js';
import { createFaultProxy, type FaultMode, type FaultProxy } from '../../testing/fault-proxy.js';

export interface RunOutcome {
  readonly ok: boolean;
  readonly message: string;
  readonly elapsedMs: number;
  readonly value?: unknown;
}

/** Runs a check once as the engine would: bounded by an AbortSignal that fires after `timeoutMs`. */
export async function runOnce(definition: CheckDefinition, timeoutMs: number): Promise<RunOutcome> {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    // The engine also stops waiting at the timeout; mirror that so a check that ignores its signal fails the suite.
    const value = await Promise.race([
      Promise.resolve(definition.check(controller.signal)),
      new Promise((_, reject) =>
        controller.signal.addEventListener('abort', () => setTimeout(() => reject(new Error('check ignored its signal')), 2000).unref(), {
          once: true,
        }),
      ),
    ]);
    return { ok: true, message: 'ok', elapsedMs: performance.now() - started, value };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error), elapsedMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the check until it passes; fails the test after `withinMs`. */
export async function untilPasses(definition: CheckDefinition, timeoutMs: number, withinMs = 20_000): Promise<RunOutcome> {
  const deadline = performance.now() + withinMs;
  let last: RunOutcome | undefined;
  while (performance.now() < deadline) {
    last = await runOnce(definition, timeoutMs);
    if (last.ok) return last;
    await sleep(100);
  }
  assert.fail(`check did not recover within ${withinMs} ms; last failure: ${last?.message}`);
}

export interface FaultExpectations {
  /** What each failing run's message must match (besides starting with `<kind>: `). */
  readonly refuse: RegExp;
  readonly reset: RegExp;
  readonly blackhole: RegExp;
  readonly latency: RegExp;
}

export interface FaultMatrixOptions<C> {
  readonly kind: string;
  readonly target: { readonly host: string; readonly port: number };
  /** Creates the user's client, pointed at the proxy. */
  readonly connect: (port: number) => Promise<C>;
  readonly disconnect: (client: C) => Promise<void>;
  readonly check: (client: C) => CheckDefinition;
  readonly timeoutMs: number;
  readonly expect: FaultExpectations;
  /** Runs under a fault: the first may still see the fault's side effect on an open connection. @default 3 */
  readonly runsPerFault?: number;
  /** Called after each step for logging. */
  readonly log?: (line: string) => void;
}

/**
 * The whole matrix in order on one client, as a service lives it. Every faulty run must fail with a
 * message that starts with the kind and names the cause, within the timeout (plus slack for a busy
 * machine); after each fault the check must pass again.
 */
export async function faultMatrix<C>(options: FaultMatrixOptions<C>): Promise<Record<string, RunOutcome[]>> {
  const proxy = await createFaultProxy({ target: options.target });
  const log = options.log ?? (process.env['PROBEKIT_FAULT_LOG'] ? (line: string) => console.log(`[${options.kind}] ${line}`) : () => {});
  const client = await options.connect(proxy.port);
  const results: Record<string, RunOutcome[]> = {};
  try {
    const definition = options.check(client);
    assert.equal(definition.dependency, true, 'a dependency check must be marked as one');
    const healthy = await untilPasses(definition, options.timeoutMs, 10_000);
    results['healthy'] = [healthy];
    log(`healthy: ${Math.round(healthy.elapsedMs)} ms`);

    const faults: Array<[string, FaultMode, RegExp]> = [
      ['latency', { kind: 'latency', ms: options.timeoutMs * 3 }, options.expect.latency],
      ['blackhole', 'blackhole', options.expect.blackhole],
      ['reset', 'reset', options.expect.reset],
      ['refuse', 'refuse', options.expect.refuse],
    ];
    for (const [name, mode, expected] of faults) {
      await proxy.setMode(mode);
      const runs: RunOutcome[] = [];
      for (let i = 0; i < (options.runsPerFault ?? 3); i++) {
        runs.push(await runOnce(definition, options.timeoutMs));
      }
      results[name] = runs;
      log(`${name}: ${runs.map((r) => `${r.ok ? 'PASS' : r.message} (${Math.round(r.elapsedMs)} ms)`).join(' | ')}`);
      for (const run of runs) {
        assert.equal(run.ok, false, `${name}: the check passed under the fault`);
        assert.ok(run.message.startsWith(`${options.kind}: `), `${name}: message does not name the check: ${run.message}`);
        // Generous slack: 2 cores shared with other test runs.
        assert.ok(run.elapsedMs < options.timeoutMs + 1500, `${name}: the run took ${Math.round(run.elapsedMs)} ms, past its ${options.timeoutMs} ms timeout`);
      }
      assert.ok(
        runs.some((r) => expected.test(r.message)),
        `${name}: no failure matched ${expected}: ${runs.map((r) => r.message).join(' | ')}`,
      );
      await proxy.setMode('pass');
      const recovered = await untilPasses(definition, options.timeoutMs);
      log(`${name} cleared: passes again`);
      results[`${name}-recovered`] = [recovered];
    }
    return results;
  } finally {
    await options.disconnect(client).catch(() => {});
    await proxy.close();
  }
}

/** Runs a proxy for a test and closes it after. */
export async function withProxy<T>(target: { host: string; port: number }, fn: (proxy: FaultProxy) => Promise<T>): Promise<T> {
  const proxy = await createFaultProxy({ target });
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

/** This process's established TCP connections to `port`, from the kernel (`ss`), with their local ports. */
export function ownConnectionsTo(port: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], (error, stdout) => {
      if (error) return reject(error);
      const mine = stdout
        .split('\n')
        .filter((line) => line.includes(`pid=${process.pid},`))
        .map((line) => Number(/:(\d+)\s+\S+:\d+\s/.exec(line)?.[1]));
      resolve(mine.filter((n) => Number.isInteger(n)));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ChurnOptions<C> {
  readonly target: { readonly host: string; readonly port: number };
  readonly connect: (port: number) => Promise<C>;
  readonly disconnect: (client: C) => Promise<void>;
  readonly check: (client: C) => CheckDefinition;
  readonly timeoutMs: number;
  /** Runs in all. @default 1000 */
  readonly runs?: number;
  /** The most connections the client may hold once healthy again (its pool size). */
  readonly maxConnections: number;
  /** Server-side count of the client's connections, if the server can tell. */
  readonly serverConnections?: () => Promise<number>;
}

/**
 * 1,000 runs while the proxy cycles pass → reset → pass → refuse every 50 runs (a pass phase begins
 * once the check passes again), then healthy again:
 * the client holds no more connections than its pool allows, and the server sees exactly those.
 */
export async function faultChurn<C>(options: ChurnOptions<C>): Promise<{ passed: number; failed: number; connections: number }> {
  const proxy = await createFaultProxy({ target: options.target });
  const client = await options.connect(proxy.port);
  const modes: FaultMode[] = ['pass', 'reset', 'pass', 'refuse'];
  let passed = 0;
  let failed = 0;
  try {
    const definition = options.check(client);
    const runs = options.runs ?? 1000;
    for (let i = 0; i < runs; i++) {
      if (i % 50 === 0) {
        const mode = modes[(i / 50) % modes.length]!;
        await proxy.setMode(mode);
        // A pass phase starts once the client reconnected, so every phase is really exercised.
        if (mode === 'pass') await untilPasses(definition, options.timeoutMs);
      }
      const run = await runOnce(definition, options.timeoutMs);
      if (run.ok) passed += 1;
      else failed += 1;
      if (process.env['PROBEKIT_FAULT_LOG'] && i % 50 === 1) console.log(`[churn] run ${i} in ${proxy.mode.kind}: ${run.message}`);
    }
    await proxy.setMode('pass');
    await untilPasses(definition, options.timeoutMs);
    // Let closes and reconnects settle before counting.
    await sleep(500);
    const connections = proxy.connections;
    assert.ok(connections >= 1 && connections <= options.maxConnections, `the client holds ${connections} connections (max ${options.maxConnections})`);
    if (options.serverConnections) assert.equal(await options.serverConnections(), connections, 'server-side count equals the client connections through the proxy');
    return { passed, failed, connections };
  } finally {
    await options.disconnect(client).catch(() => {});
    await proxy.close();
  }
}
