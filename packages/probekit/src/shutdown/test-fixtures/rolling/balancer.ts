import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/** One replica as the balancer sees it. */
export interface Backend {
  readonly name: string;
  readonly appPort: number;
  readonly probePort: number;
  ready: boolean;
}

/** The error of a request sent while no backend was ready. */
export const NO_READY_BACKEND = 'no ready backend';

/** What one request through the balancer gave: `ok`, or the error code / HTTP status that failed it. */
export type RequestOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

interface Entry {
  readonly backend: Backend;
  readonly agent: Agent;
  readonly timer: NodeJS.Timeout;
}

/**
 * A readiness-aware load balancer for the rolling-restart test, like an ingress routing to pod IPs:
 * it polls each backend's readiness path every `pollMs` on a fresh connection (as the kubelet does)
 * and sends traffic, over keep-alive connections, only to backends whose last poll passed.
 */
export class ReadinessBalancer {
  readonly #entries = new Map<Backend, Entry>();
  readonly #pollMs: number;
  readonly #readinessPath: string;
  #next = 0;
  #nextConnection = 0;

  constructor(options: { readonly pollMs: number; readonly readinessPath: string }) {
    this.#pollMs = options.pollMs;
    this.#readinessPath = options.readinessPath;
  }

  add(backend: Backend): void {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const timer = setInterval(() => void this.#poll(backend), this.#pollMs);
    this.#entries.set(backend, { backend, agent, timer });
    void this.#poll(backend);
  }

  remove(backend: Backend): void {
    const entry = this.#entries.get(backend);
    if (!entry) return;
    clearInterval(entry.timer);
    entry.agent.destroy();
    this.#entries.delete(backend);
  }

  close(): void {
    for (const backend of [...this.#entries.keys()]) this.remove(backend);
  }

  /** The next ready backend for a new long-lived connection, round robin (its own turn, apart from the requests'), or undefined when none is ready. */
  pick(): Backend | undefined {
    const ready = [...this.#entries.values()].filter((e) => e.backend.ready);
    return ready.length === 0 ? undefined : ready[this.#nextConnection++ % ready.length]!.backend;
  }

  /** Sends `GET path` to the next ready backend, round robin. */
  send(path: string): Promise<RequestOutcome> {
    const entry = this.#pickEntry();
    if (!entry) return Promise.resolve({ ok: false, error: NO_READY_BACKEND });
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: entry.backend.appPort, path, agent: entry.agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? { ok: true } : { ok: false, error: `HTTP ${res.statusCode}` }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
      req.end();
    });
  }

  #pickEntry(): Entry | undefined {
    const ready = [...this.#entries.values()].filter((e) => e.backend.ready);
    return ready.length === 0 ? undefined : ready[this.#next++ % ready.length];
  }

  #poll(backend: Backend): Promise<void> {
    return new Promise((resolve) => {
      const done = (ready: boolean): void => {
        if (this.#entries.has(backend)) backend.ready = ready;
        resolve();
      };
      // NOTE: like the kubelet: a new connection per probe, 1 s timeout, 200-399 is success.
      const req = request({ host: '127.0.0.1', port: backend.probePort, path: this.#readinessPath, agent: false, timeout: 1000 }, (res) => {
        res.resume();
        res.on('end', () => done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400));
        res.on('error', () => done(false));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(false));
      req.end();
    });
  }
}

/**
 * A layer-4 front door, as kube-proxy is for a Service: every new TCP connection is piped to the
 * backend `pick()` names at that moment; connections already piped stay where they are. Long-lived
 * clients (WebSockets) reconnect through it and land on whatever is ready then.
 */
export class TcpFront {
  readonly #pick: () => number | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #server = createNetServer((client) => this.#pipe(client));

  /** `pick` returns the backend port for a new connection, or undefined to refuse it. */
  constructor(pick: () => number | undefined) {
    this.#pick = pick;
  }

  /** Listens on a free loopback port. */
  async listen(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return this;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket): void {
    const port = this.#pick();
    if (port === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    }
    // An end on one side is passed on as an end, a reset as a reset.
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
  }
}
