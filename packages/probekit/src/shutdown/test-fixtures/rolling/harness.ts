import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { NO_READY_BACKEND, ReadinessBalancer, TcpFront, type Backend } from './balancer.js';
import { socketIoLoad, webSocketLoad, type WebSocketLoadResult } from './ws-clients.js';

/** Options of one rolling-restart run. */
export interface RollingRestartOptions {
  /** The replica's command: `[script, ...args]`, run with this node. */
  readonly command: readonly string[];
  /** Extra environment of every replica (PORT=0 is always set). */
  readonly env?: Readonly<Record<string, string>>;
  /** Path the balancer polls. @default '/readyz' */
  readonly readinessPath?: string;
  /** Paths the load requests; client i always requests `paths[i % paths.length]`. @default ['/'] */
  readonly paths?: readonly string[];
  /** @default 3 */
  readonly replicas?: number;
  /** @default 10 */
  readonly rounds?: number;
  /** Balancer's readiness poll interval. @default 1000 */
  readonly pollMs?: number;
  /** Requests kept in flight at all times. @default 8 */
  readonly concurrency?: number;
  /** A replica still running this long after SIGTERM is SIGKILLed (the grace period). @default 30000 */
  readonly gracePeriodMs?: number;
  /** WebSocket clients kept connected (through a layer-4 front that picks a ready replica per connection) beside the HTTP load. @default 0 */
  readonly webSocketClients?: number;
  /** Path of the replicas' WebSocket echo (ws clients). @default '/ws' */
  readonly webSocketPath?: string;
  /** `ws` clients sending text and expecting it back, or socket.io clients emitting `echo` with an ack. @default 'ws' */
  readonly webSocketClient?: 'ws' | 'socket.io';
}

export interface RollingRestartResult {
  readonly rounds: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  /** Failures that were connection resets (ECONNRESET, EPIPE, socket hang up). */
  readonly resets: number;
  /** Failures by cause. */
  readonly errors: Readonly<Record<string, number>>;
  /** Exit code (or signal) of every replica that was terminated. */
  readonly exits: readonly (number | string)[];
  /** Milliseconds from SIGTERM to exit, per terminated replica. */
  readonly drainMs: readonly number[];
  readonly durationMs: number;
  /** What the WebSocket clients saw, when `webSocketClients` > 0. */
  readonly webSockets?: WebSocketLoadResult;
}

interface Replica {
  readonly child: ChildProcess;
  readonly backend: Backend;
  readonly output: () => string;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'socket hang up']);

/**
 * Runs `replicas` copies of an app behind a readiness-aware balancer under constant load and
 * replaces each in turn, as a Deployment with maxSurge 1 and maxUnavailable 0 does: start a new
 * replica, wait until the balancer sees it ready, SIGTERM the oldest, wait for it to exit.
 */
export async function rollingRestart(options: RollingRestartOptions): Promise<RollingRestartResult> {
  const o = { readinessPath: '/readyz', paths: ['/'], replicas: 3, rounds: 10, pollMs: 1000, concurrency: 8, gracePeriodMs: 30_000, env: {}, webSocketClients: 0, webSocketPath: '/ws', webSocketClient: 'ws', ...options };
  const balancer = new ReadinessBalancer({ pollMs: o.pollMs, readinessPath: o.readinessPath });
  const running: Replica[] = [];
  const errors: Record<string, number> = {};
  const exits: (number | string)[] = [];
  const drainMs: number[] = [];
  let requests = 0;
  let ok = 0;
  let webSockets: WebSocketLoadResult | undefined;
  let loading = true;
  let serial = 0;
  const start = Date.now();

  const startReplica = async (): Promise<Replica> => {
    const [script, ...args] = o.command;
    const child = spawn(process.execPath, [script!, ...args], { env: { ...process.env, ...o.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const begun = Date.now();
    while (!/listening on http:\/\/[^:]+:(\d+)/.test(out)) {
      if (child.exitCode !== null || Date.now() - begun > 30_000) {
        child.kill('SIGKILL');
        throw new Error(`replica did not start: ${out}`);
      }
      await sleep(20);
    }
    const appPort = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]);
    const probePort = Number(/probes on http:\/\/[^:]+:(\d+)/.exec(out)?.[1] ?? appPort);
    const backend: Backend = { name: `replica-${++serial}`, appPort, probePort, ready: false };
    balancer.add(backend);
    return { child, backend, output: () => out };
  };

  const waitReady = async (replica: Replica): Promise<void> => {
    const begun = Date.now();
    while (!replica.backend.ready) {
      if (Date.now() - begun > 30_000) throw new Error(`${replica.backend.name} never became ready: ${replica.output()}`);
      await sleep(20);
    }
  };

  const terminate = async (replica: Replica): Promise<void> => {
    const exited = once(replica.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const signalledAt = Date.now();
    replica.child.kill('SIGTERM');
    const killer = setTimeout(() => replica.child.kill('SIGKILL'), o.gracePeriodMs);
    const [code, signal] = await exited;
    clearTimeout(killer);
    drainMs.push(Date.now() - signalledAt);
    exits.push(code ?? signal ?? 'unknown');
    balancer.remove(replica.backend);
  };

  const worker = async (path: string): Promise<void> => {
    while (loading) {
      const outcome = await balancer.send(path);
      requests += 1;
      if (outcome.ok) ok += 1;
      else errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
      // NOTE: with no ready backend, send() settles without I/O: without a pause this loop would run on
      // microtasks only and starve the readiness polls' timers, so no backend could ever become ready.
      if (!outcome.ok && outcome.error === NO_READY_BACKEND) await sleep(10);
    }
  };

  let load: Promise<void[]> | undefined;
  let front: TcpFront | undefined;
  let stopSockets!: () => void;
  const socketsStopped = new Promise<void>((resolve) => (stopSockets = resolve));
  let socketLoad: Promise<WebSocketLoadResult> | undefined;
  try {
    for (let i = 0; i < o.replicas; i++) running.push(await startReplica());
    for (const replica of running) await waitReady(replica);
    load = Promise.all(Array.from({ length: o.concurrency }, (_, i) => worker(o.paths[i % o.paths.length]!)));
    if (o.webSocketClients > 0) {
      front = await new TcpFront(() => balancer.pick()?.appPort).listen();
      socketLoad =
        o.webSocketClient === 'ws'
          ? webSocketLoad(`ws://127.0.0.1:${front.port}${o.webSocketPath}`, o.webSocketClients, socketsStopped)
          : socketIoLoad(`http://127.0.0.1:${front.port}`, o.webSocketClients, socketsStopped);
    }
    for (let round = 0; round < o.rounds; round++) {
      const fresh = await startReplica();
      await waitReady(fresh);
      const oldest = running.shift()!;
      running.push(fresh);
      await terminate(oldest);
    }
    // Traffic keeps flowing for one more poll interval on the final set.
    await sleep(o.pollMs);
  } finally {
    loading = false;
    stopSockets();
    await load;
    webSockets = await socketLoad;
    await front?.close();
    for (const replica of running) {
      const exited = once(replica.child, 'exit');
      replica.child.kill('SIGKILL');
      if (replica.child.exitCode === null && replica.child.signalCode === null) await exited;
    }
    balancer.close();
  }
  const failed = requests - ok;
  const resets = Object.entries(errors).reduce((n, [code, count]) => n + (RESET_CODES.has(code) ? count : 0), 0);
  return { rounds: o.rounds, requests, ok, failed, resets, errors, exits, drainMs, durationMs: Date.now() - start, ...(webSockets ? { webSockets } : {}) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
