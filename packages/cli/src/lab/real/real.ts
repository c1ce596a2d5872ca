import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { KUBELET_USER_AGENT, MAX_PROBE_BODY_BYTES, PROBE_PATHS, type ProbeKind } from 'probekit/internal';
import { createFaultProxy, type FaultMode, type FaultProxy } from 'probekit/testing';
import type { RequestOutcome } from '../model/app.js';
import type { Pod, PodProcess, ProcessFactory } from '../model/pod.js';
import type { ProbeOutcome } from '../model/probe-worker.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Handle, Scheduler } from '../model/scheduler.js';
import { simulate, type LabProgress, type LabResult } from '../simulate.js';

/** Options of real mode: the scenario's kubelet, load balancer and faults against real processes. */
export interface RealModeOptions {
  /** The program that runs one replica, and its arguments. */
  readonly command: string;
  readonly args?: readonly string[];
  /**
   * Where each dependency of the scenario really is (`{ redis: { host, port } }`): a fault proxy is
   * put in front and the replicas get its address in `LAB_DEPENDENCY_<NAME>` (`host:port`).
   * @default {} (dependency faults are then not applied)
   */
  readonly dependencies?: Readonly<Record<string, { readonly host: string; readonly port: number }>>;
  /** Extra environment for the replicas. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives the replicas' output lines and the lab's notes. @default discard */
  readonly log?: (line: string) => void;
  /** Path of the app's request. @default '/' */
  readonly requestPath?: string;
  /** Aborting it ends the run at once: every replica is killed, and runReal rejects with the signal's reason. @default none */
  readonly signal?: AbortSignal;
  /** Called every second of the run with the live figures (for a progress line). @default none */
  readonly progress?: (progress: LabProgress) => void;
}

/**
 * Runs a scenario in real time against real processes: real HTTP probes with kubelet semantics,
 * real SIGTERM/SIGKILL and restarts with CrashLoopBackOff, an event-loop stall as SIGSTOP/SIGCONT,
 * dependency faults through fault proxies. The result has the same shape as a simulation's.
 */
export async function runReal(scenario: Scenario, options: RealModeOptions): Promise<LabResult> {
  const log = options.log ?? (() => {});
  options.signal?.throwIfAborted();
  const scheduler = new RealScheduler(options.signal);
  const proxies = new Map<string, FaultProxy>();
  const processes = new Set<RealProcess>();
  // Last resort if the lab itself dies mid-run: process.kill is synchronous, so it works in 'exit'.
  const killAll = (): void => {
    for (const p of processes) p.killGroup('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    for (const [name, target] of Object.entries(options.dependencies ?? {})) {
      if (!(name in scenario.dependencies)) throw new TypeError(`Unknown dependency \`${name}\`; the scenario declares ${Object.keys(scenario.dependencies).map((d) => `\`${d}\``).join(', ') || 'none'}`);
      proxies.set(name, await createFaultProxy({ target }));
    }
    for (const fault of scenario.faults) {
      if (fault.target !== 'dependency') continue;
      const proxy = proxies.get(fault.dependency);
      if (!proxy) {
        log(`lab: fault on \`${fault.dependency}\` at ${fault.atMs / 1000} s not applied: no --dependency ${fault.dependency}=host:port`);
        continue;
      }
      scheduleFault(scheduler, proxy, fault, log);
    }
    const env: Record<string, string> = { ...options.env };
    for (const [name, proxy] of proxies) env[`LAB_DEPENDENCY_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = `${proxy.host}:${proxy.port}`;
    const startProcess: ProcessFactory = (pod, hooks) => {
      const process = new RealProcess(pod, options, env, scenario.traffic.timeoutMs, log, hooks.exited);
      processes.add(process);
      return process;
    };
    return await simulate(scenario, { runtime: { scheduler, startProcess }, ...(options.progress ? { progress: options.progress } : {}) });
  } finally {
    scheduler.dispose();
    await Promise.all([...processes].map((p) => p.stop()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    process.removeListener('exit', killAll);
  }
}

/** Turns a dependency fault into fault-proxy modes over time. Exported for its test (virtual time, a recording proxy). */
export function scheduleFault(scheduler: Pick<Scheduler, 'at'>, proxy: Pick<FaultProxy, 'setMode'>, fault: Extract<Scenario['faults'][number], { target: 'dependency' }>, log: (line: string) => void): void {
  const set = (mode: FaultMode): void => {
    proxy.setMode(mode).catch((error: unknown) => log(`lab: fault proxy: ${(error as Error).message}`));
  };
  const end = fault.atMs + fault.forMs;
  scheduler.at(fault.atMs, () => {
    switch (fault.kind) {
      case 'down':
        return set('refuse');
      case 'hang':
        return set('blackhole');
      case 'slow':
        return set({ kind: 'latency', ms: fault.latencyMs ?? 5000 });
      case 'jitter':
        return set({ kind: 'latency', ms: fault.minMs ?? 0, jitterMs: (fault.maxMs ?? 1000) - (fault.minMs ?? 0) });
      case 'flapping': {
        const period = fault.periodMs ?? 5000;
        for (let t = fault.atMs, down = true; t < end; t += period, down = !down) {
          const mode: FaultMode = down ? 'refuse' : 'pass';
          scheduler.at(t, () => set(mode));
        }
        return;
      }
    }
  });
  scheduler.at(end, () => set('pass'));
}

/** Real time behind the `Scheduler` interface; every timer is cleared by `dispose()`. */
export class RealScheduler implements Scheduler {
  readonly #start = performance.now();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #signal: AbortSignal | undefined;
  #disposed = false;

  /** `signal`: aborting it makes `runUntil` reject at once with its reason. */
  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  get now(): number {
    return Math.round(performance.now() - this.#start);
  }

  at(at: number, fn: () => void): Handle {
    const handle: Handle = { cancelled: this.#disposed, async: false };
    if (this.#disposed) return handle;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!handle.cancelled) fn();
    }, Math.max(0, at - this.now));
    this.#timers.add(timer);
    return handle;
  }

  after(ms: number, fn: () => void): Handle {
    return this.at(this.now + ms, fn);
  }

  cancel(handle: Handle | undefined): void {
    if (handle) handle.cancelled = true;
  }

  runUntil(end: number): Promise<void> {
    const signal = this.#signal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, end - this.now));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  dispose(): void {
    this.#disposed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** One replica as a child process with its own app and probe ports. */
class RealProcess implements PodProcess {
  readonly #pod: Pod;
  readonly #log: (line: string) => void;
  readonly #requestTimeoutMs: number;
  readonly #requestPath: string;
  readonly #ports: Promise<{ app: number; probe: number }>;
  #child: ChildProcess | undefined;
  #exited = false;

  constructor(pod: Pod, options: RealModeOptions, env: Record<string, string>, requestTimeoutMs: number, log: (line: string) => void, exited: () => void) {
    this.#pod = pod;
    this.#log = log;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#requestPath = options.requestPath ?? '/';
    this.#ports = Promise.all([freePort(), freePort()]).then(([app, probe]) => ({ app, probe }));
    void this.#ports.then(({ app, probe }) => {
      if (this.#exited) return;
      // NOTE: each replica leads its own process group (detached), and every signal goes to the whole
      // group: `npx …`, `npm run …` and `sh -c …` start the real server as a grandchild, which a signal
      // to the wrapper alone would leave running (or running on after SIGSTOP of the wrapper).
      const child = spawn(options.command, [...(options.args ?? [])], {
        env: { ...process.env, ...env, PORT: String(app), PROBEKIT_PORT: String(probe), LAB_POD: pod.name },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      this.#child = child;
      const forward = (chunk: Buffer): void => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) log(`${pod.name}: ${line}`);
      };
      child.stdout?.on('data', forward);
      child.stderr?.on('data', forward);
      child.on('error', (error) => log(`${pod.name}: cannot start \`${options.command}\`: ${error.message}`));
      child.on('exit', (code, signal) => {
        this.#exited = true;
        // As in a container, when the main process is gone nothing of it may run on.
        this.killGroup('SIGKILL');
        log(`${pod.name}: exited (${signal ?? `code ${code}`})`);
        exited();
      });
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  async probe(kind: ProbeKind, timeoutMs: number): Promise<ProbeOutcome> {
    const { probe } = await this.#ports;
    const started = performance.now();
    const result = await get(probe, PROBE_PATHS[kind], timeoutMs, { 'User-Agent': KUBELET_USER_AGENT, Accept: '*/*' });
    const durationMs = Math.min(Math.round(performance.now() - started), timeoutMs);
    if (result.kind === 'status') {
      // NOTE: the kubelet counts 200–399 as success (pkg/probe/http/http.go).
      const ok = result.status >= 200 && result.status < 400;
      return { ok, durationMs, detail: `${result.status}${ok ? '' : ` ${result.body.split('\n').find((l) => l.startsWith('[-]')) ?? ''}`}`.trim() };
    }
    return { ok: false, durationMs, detail: result.kind === 'timeout' ? `timeout after ${timeoutMs} ms` : result.message };
  }

  async serve(): Promise<RequestOutcome> {
    if (this.#exited) return 'refused';
    const { app } = await this.#ports;
    const result = await get(app, this.#requestPath, this.#requestTimeoutMs, {});
    if (result.kind === 'timeout') return 'timeout';
    if (result.kind === 'error') return 'refused';
    return result.status < 500 ? 'served' : 'dependency';
  }

  /** Sends `signal` to the replica's whole process group; a group already gone is not an error. */
  killGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: every process of the group has exited.
    }
  }

  sigterm(): void {
    this.killGroup('SIGTERM');
  }

  kill(): void {
    this.killGroup('SIGCONT');
    this.killGroup('SIGKILL');
    this.#exited = true;
  }

  stall(ms: number): void {
    // A stopped process group answers nothing, not even from a worker thread: as a wedged host.
    if (!this.#child || this.#exited) return;
    this.killGroup('SIGSTOP');
    setTimeout(() => {
      if (!this.#exited) this.killGroup('SIGCONT');
    }, ms).unref();
  }

  wedge(): void {
    this.#log(`${this.#pod.name}: the \`wedge\` fault has no real-mode equivalent; ignored`);
  }

  /** The end of the run: SIGKILL and wait for the exit. */
  async stop(): Promise<void> {
    await this.#ports;
    const child = this.#child;
    if (!child) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      // The leader is gone; anything left in its group goes too.
      this.killGroup('SIGKILL');
      return;
    }
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.killGroup('SIGCONT');
    this.killGroup('SIGKILL');
    await gone;
  }
}

type GetResult = { kind: 'status'; status: number; body: string } | { kind: 'timeout' } | { kind: 'error'; message: string };

/** One GET on 127.0.0.1 without keep-alive, bounded by `timeoutMs` (connect, headers and body). */
function get(port: number, path: string, timeoutMs: number, headers: Record<string, string>): Promise<GetResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: GetResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { ...headers, Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_PROBE_BODY_BYTES) body += chunk.slice(0, MAX_PROBE_BODY_BYTES - body.length);
      });
      res.on('end', () => finish({ kind: 'status', status: res.statusCode ?? 0, body }));
      res.on('error', (error) => finish({ kind: 'error', message: error.message }));
    });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'error', message: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message }));
    req.end();
  });
}

/** Ports handed to replicas in this process: never handed out twice. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1 for a replica to bind. It is picked below the kernel's ephemeral
 * range (Linux: 32768–60999 by default): a port released by the lab and bound moments later by the
 * child could otherwise be taken in between as the local port of any outgoing connection (the lab's
 * own probes and proxies make many), and the lab would then probe some other process.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port between 20000 and 31999 on 127.0.0.1');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
